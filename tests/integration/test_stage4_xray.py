"""stage-4-xray: the probe segment written and read back (checked with boto3 against moto),
"not offered by this endpoint" where moto has no sampling rules or groups, and the
create / ok / drift / destroy paths of those against a small X-Ray stand-in that offers
them (moto cannot); bad input."""
import json
import re
import time
from http.server import BaseHTTPRequestHandler

import pytest

from helpers import LoopbackHTTP, free_port
from stages2_helpers import Stage, lab_config, one_error_line, set_key, unreachable_env

TRACE_ID = re.compile(r"^1-([0-9a-f]{8})-[0-9a-f]{24}$")


@pytest.fixture
def stage(bins, aws_env, tmp_path, moto):
    env = dict(aws_env, MOTO_PORT=str(moto.port))
    return Stage(bins, "stage-4-xray", lab_config(tmp_path, 4), tmp_path / "state", env)


def test_probe_segment_is_written_and_read_back(stage, moto):
    started = int(time.time())
    p = stage.ok("apply")
    assert "written and read back" in p.stdout
    trace_id = stage.outputs()["probe_trace_id"]
    m = TRACE_ID.match(trace_id)
    assert m, trace_id
    assert abs(int(m.group(1), 16) - started) < 120

    traces = moto.client("xray").batch_get_traces(TraceIds=[trace_id])["Traces"]
    assert len(traces) == 1
    seg = traces[0]["Segments"][0]
    doc = json.loads(seg["Document"])
    assert doc["name"] == "CloudAlbum"
    assert doc["trace_id"] == trace_id
    assert re.fullmatch(r"[0-9a-f]{16}", doc["id"]) and seg["Id"] == doc["id"]
    assert doc["end_time"] >= doc["start_time"] >= started - 1


def test_moto_says_plainly_what_it_does_not_offer(stage):
    p = stage.run("plan")
    assert p.returncode == 0, p.stdout + p.stderr     # notes are not changes
    assert "xray sampling rule cloudalbum: not offered by this endpoint" in p.stdout
    assert "xray group cloudalbum: not offered by this endpoint" in p.stdout
    p = stage.ok("apply")
    assert p.stdout.count("not offered by this endpoint") == 2
    assert "0 change(s) made" in p.stdout
    assert stage.run("plan").returncode == 0
    p = stage.ok("destroy")
    assert p.stdout.count("not offered by this endpoint") == 2


def test_second_apply_writes_a_new_probe_and_changes_nothing(stage, moto):
    stage.ok("apply")
    first = stage.outputs()["probe_trace_id"]
    p = stage.ok("apply")
    assert "0 change(s) made" in p.stdout
    second = stage.outputs()["probe_trace_id"]
    assert first != second
    found = moto.client("xray").batch_get_traces(TraceIds=[first, second])["Traces"]
    assert sorted(t["Id"] for t in found) == sorted([first, second])


class FakeXRay(BaseHTTPRequestHandler):
    """The sampling-rule and group half of the X-Ray API (as documented), plus traces."""
    rules = {}
    groups = {}
    traces = {}
    calls = []

    def log_message(self, *a):
        pass

    def answer(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        req = json.loads(self.rfile.read(int(self.headers["Content-Length"] or 0)) or b"{}")
        path = self.path
        FakeXRay.calls.append(path)
        if "aws4_request" not in (self.headers.get("Authorization") or ""):
            return self.answer(403, {"__type": "MissingAuthenticationTokenException"})
        if path == "/GetSamplingRules":
            return self.answer(200, {"SamplingRuleRecords": [{"SamplingRule": r} for r in self.rules.values()]})
        if path == "/CreateSamplingRule":
            r = dict(req["SamplingRule"], RuleARN="arn:aws:xray:ap-southeast-1:1:sampling-rule/" + req["SamplingRule"]["RuleName"])
            FakeXRay.rules[r["RuleName"]] = r
            return self.answer(200, {"SamplingRuleRecord": {"SamplingRule": r}})
        if path == "/UpdateSamplingRule":
            u = req["SamplingRuleUpdate"]
            FakeXRay.rules[u["RuleName"]].update(u)
            return self.answer(200, {})
        if path == "/DeleteSamplingRule":
            FakeXRay.rules.pop(req["RuleName"])
            return self.answer(200, {})
        if path == "/Groups":
            return self.answer(200, {"Groups": list(self.groups.values())})
        if path in ("/CreateGroup", "/UpdateGroup"):
            FakeXRay.groups[req["GroupName"]] = {"GroupName": req["GroupName"],
                                                 "GroupARN": "arn:aws:xray:::group/" + req["GroupName"],
                                                 "FilterExpression": req.get("FilterExpression")}
            return self.answer(200, {"Group": FakeXRay.groups[req["GroupName"]]})
        if path == "/DeleteGroup":
            FakeXRay.groups.pop(req["GroupName"])
            return self.answer(200, {})
        if path == "/TraceSegments":
            for d in req["TraceSegmentDocuments"]:
                doc = json.loads(d)
                FakeXRay.traces.setdefault(doc["trace_id"], []).append({"Id": doc["id"], "Document": d})
            return self.answer(200, {"UnprocessedTraceSegments": []})
        if path == "/Traces":
            return self.answer(200, {"Traces": [{"Id": t, "Segments": FakeXRay.traces[t]}
                                                for t in req["TraceIds"] if t in FakeXRay.traces]})
        return self.answer(404, {"__type": "UnknownOperationException"})


@pytest.fixture
def fake_xray():
    FakeXRay.rules, FakeXRay.groups, FakeXRay.traces, FakeXRay.calls = {}, {}, {}, []
    with LoopbackHTTP(FakeXRay) as srv:
        yield srv.url


def test_sampling_rule_and_group_where_offered(stage, fake_xray):
    env = {"AWS_ENDPOINT_URL_XRAY": fake_xray}
    p = stage.run("plan", env=env)
    assert p.returncode == 2, p.stdout + p.stderr
    assert "create   xray sampling rule cloudalbum" in p.stdout
    assert "create   xray group cloudalbum" in p.stdout
    assert not FakeXRay.rules and not FakeXRay.groups and not FakeXRay.traces   # plan wrote nothing

    stage.ok("apply", env=env)
    rule = FakeXRay.rules["cloudalbum"]
    assert rule["ServiceName"] == "CloudAlbum"
    assert rule["FixedRate"] == pytest.approx(0.05)
    assert rule["ReservoirSize"] == 1 and rule["Version"] == 1
    assert FakeXRay.groups["cloudalbum"]["FilterExpression"] == 'service("CloudAlbum")'
    assert len(FakeXRay.traces) == 1

    assert stage.run("plan", env=env).returncode == 0
    assert "0 change(s) made" in stage.ok("apply", env=env).stdout

    # drift behind our back
    FakeXRay.rules["cloudalbum"]["FixedRate"] = 0.5
    FakeXRay.groups["cloudalbum"]["FilterExpression"] = 'service("Other")'
    p = stage.run("plan", env=env)
    assert p.returncode == 2
    assert "fixed rate 0.5 -> 0.05" in p.stdout
    assert 'filter service("Other") -> service("CloudAlbum")' in p.stdout
    stage.ok("apply", env=env)
    assert FakeXRay.rules["cloudalbum"]["FixedRate"] == pytest.approx(0.05)
    assert FakeXRay.groups["cloudalbum"]["FilterExpression"] == 'service("CloudAlbum")'
    assert stage.run("plan", env=env).returncode == 0

    p = stage.ok("destroy", env=env)
    assert "deleted  xray group cloudalbum" in p.stdout
    assert "deleted  xray sampling rule cloudalbum" in p.stdout
    assert not FakeXRay.rules and not FakeXRay.groups
    assert "4" not in (stage.state() or {}).get("stages", {})


@pytest.mark.parametrize("edit, needle", [
    (lambda t: set_key(t, "fixed_rate_percent", "250"), "fixed_rate_percent"),
    (lambda t: set_key(t, "reservoir", "lots"), "reservoir"),
    (lambda t: t.replace("    group: cloudalbum\n", "    group: cloudalbum\n    sampling_rul: x\n"),
     "sampling_rul"),
])
def test_bad_config_is_one_clear_line(bins, aws_env, tmp_path, edit, needle):
    cfg = lab_config(tmp_path, 4, edit)
    stage = Stage(bins, "stage-4-xray", cfg, tmp_path / "state",
                  dict(aws_env, AWS_ENDPOINT_URL="http://127.0.0.1:9"))
    one_error_line(stage.run("plan"), needle, "stage-4.yaml:")


def test_bad_rule_name_is_refused(bins, aws_env, tmp_path):
    cfg = lab_config(tmp_path, 4, lambda t: t.replace("sampling_rule: cloudalbum",
                                                      "sampling_rule: cloud album!"))
    stage = Stage(bins, "stage-4-xray", cfg, tmp_path / "state", aws_env)
    one_error_line(stage.run("plan"), "provision.xray.sampling_rule")


def test_unreachable_endpoint_is_one_clear_line(stage):
    one_error_line(stage.run("apply", env=unreachable_env(free_port)), "127.0.0.1")
