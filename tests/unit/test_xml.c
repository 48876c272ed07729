#include <stdlib.h>
#include <string.h>

#include "check_ca.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/xml.h"

static int parse(const char *doc, struct ca_xml_node **root, struct ca_err *err)
{
	ca_err_clear(err);
	return ca_xml_parse(doc, strlen(doc), NULL, root, err);
}

START_TEST(xml_reads_an_sts_answer)
{
	static const char doc[] =
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
		"  <GetCallerIdentityResult>\n"
		"    <Arn>arn:aws:iam::123456789012:user/alice</Arn>\n"
		"    <UserId>AIDAEXAMPLE</UserId>\n"
		"    <Account>123456789012</Account>\n"
		"  </GetCallerIdentityResult>\n"
		"  <ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata>\n"
		"</GetCallerIdentityResponse>\n";
	struct ca_xml_node *root = NULL;
	struct ca_err err;

	ck_assert_int_eq(parse(doc, &root, &err), CA_OK);
	ck_assert_str_eq(root->name, "GetCallerIdentityResponse");
	ck_assert_ptr_null(root->parent);
	ck_assert_uint_eq(root->n_children, 2);
	ck_assert_str_eq(ca_xml_path_text(root, "GetCallerIdentityResult/Arn"),
			 "arn:aws:iam::123456789012:user/alice");
	ck_assert_str_eq(ca_xml_path_text(root, "GetCallerIdentityResult/Account"), "123456789012");
	ck_assert_str_eq(ca_xml_path_text(root, "ResponseMetadata/RequestId"), "r-1");
	ck_assert_ptr_null(ca_xml_path_text(root, "GetCallerIdentityResult/Nope"));
	ck_assert_ptr_null(ca_xml_path(root, "GetCallerIdentityResult//Arn"));
	ck_assert_ptr_eq(ca_xml_path(root, ""), root);
	ck_assert_ptr_eq(ca_xml_path(root, "ResponseMetadata")->parent, root);
	ca_xml_free(root);
}
END_TEST

START_TEST(xml_iterates_siblings_and_keeps_order)
{
	static const char doc[] =
		"<L><Contents><Key>a</Key></Contents><Other/><Contents><Key>b</Key></Contents>"
		"<Contents><Key>c</Key></Contents></L>";
	struct ca_xml_node *root = NULL;
	const struct ca_xml_node *c;
	struct ca_err err;
	char seen[8] = "";
	size_t n = 0;

	ck_assert_int_eq(parse(doc, &root, &err), CA_OK);
	for (c = ca_xml_child(root, "Contents"); c; c = ca_xml_next(c, "Contents"))
		seen[n++] = ca_xml_path_text(c, "Key")[0];
	seen[n] = '\0';
	ck_assert_str_eq(seen, "abc");
	ck_assert_uint_eq(root->n_children, 4);
	/* NULL name: any element */
	c = ca_xml_child(root, NULL);
	ck_assert_str_eq(ca_xml_next(c, NULL)->name, "Other");
	ck_assert_str_eq(ca_xml_path_text(root, "Other"), "");
	ca_xml_free(root);
}
END_TEST

START_TEST(xml_text_entities_cdata_prefixes)
{
	static const char doc[] =
		"<s3:Error xmlns:s3=\"urn:x\"><s3:Message>a &amp; b &lt;c&gt; &#233;"
		"<![CDATA[ <raw> ]]>tail</s3:Message>mixed<Code a=\"1\">X</Code>text</s3:Error>";
	struct ca_xml_node *root = NULL;
	struct ca_err err;

	ck_assert_int_eq(parse(doc, &root, &err), CA_OK);
	ck_assert(ca_xml_name_is(root, "Error"));
	ck_assert(ca_xml_name_is(root, "s3:Error"));
	ck_assert(!ca_xml_name_is(root, "rror"));
	ck_assert_str_eq(ca_xml_path_text(root, "Message"), "a & b <c> \xc3\xa9 <raw> tail");
	ck_assert_str_eq(ca_xml_path_text(root, "Code"), "X");
	/* the root's own text: its direct character data only */
	ck_assert_str_eq(root->text, "mixedtext");
	ck_assert_uint_eq(root->text_len, 9);
	ca_xml_free(root);
}
END_TEST

START_TEST(xml_refuses_billion_laughs_and_external_entities)
{
	static const char laughs[] =
		"<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n"
		" <!ENTITY lol \"lol\">\n"
		" <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
		" <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
		" <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
		" <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
		" <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
		" <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
		" <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
		" <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
		" <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
		"]>\n<lolz>&lol9;</lolz>";
	static const char xxe[] =
		"<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
		"<r>&x;</r>";
	static const char dtd_only[] = "<!DOCTYPE r SYSTEM \"http://example.com/r.dtd\"><r/>";
	static const char undefined[] = "<r>&nope;</r>";
	struct ca_xml_node *root = (struct ca_xml_node *)1;
	struct ca_err err;

	ck_assert_int_eq(parse(laughs, &root, &err), CA_EPARSE);
	ck_assert_ptr_null(root);
	ck_assert_ptr_nonnull(strstr(err.msg, "DTD"));
	ck_assert_int_eq(parse(xxe, &root, &err), CA_EPARSE);
	ck_assert_ptr_null(root);
	ck_assert_int_eq(parse(dtd_only, &root, &err), CA_EPARSE);
	ck_assert_int_eq(parse(undefined, &root, &err), CA_EPARSE);
	ck_assert_ptr_nonnull(strstr(err.msg, "line 1"));
}
END_TEST

START_TEST(xml_caps_depth_without_recursion)
{
	struct ca_xml_limits lim = { 0, 8, 0 };
	struct ca_buf doc = CA_BUF_INIT;
	struct ca_xml_node *root = NULL;
	struct ca_err err;
	int i;

	for (i = 0; i < 8; i++)
		ca_buf_adds(&doc, "<a>");
	for (i = 0; i < 8; i++)
		ca_buf_adds(&doc, "</a>");
	ca_err_clear(&err);
	ck_assert_int_eq(ca_xml_parse(doc.data, doc.len, &lim, &root, &err), CA_OK);
	ca_xml_free(root);
	root = NULL;

	ca_buf_reset(&doc);
	for (i = 0; i < 9; i++)
		ca_buf_adds(&doc, "<a>");
	for (i = 0; i < 9; i++)
		ca_buf_adds(&doc, "</a>");
	ca_err_clear(&err);
	ck_assert_int_eq(ca_xml_parse(doc.data, doc.len, &lim, &root, &err), CA_ERANGE);
	ck_assert_ptr_null(root);

	/* far deeper than any stack would like, against the default cap */
	ca_buf_reset(&doc);
	for (i = 0; i < 200000; i++)
		ca_buf_adds(&doc, "<a>");
	ca_err_clear(&err);
	ck_assert_int_eq(ca_xml_parse(doc.data, doc.len, NULL, &root, &err), CA_ERANGE);
	ck_assert_ptr_nonnull(strstr(err.msg, "nested"));
	ca_buf_release(&doc);
}
END_TEST

START_TEST(xml_caps_size_and_element_count)
{
	struct ca_xml_limits small = { 16, 0, 0 };
	struct ca_xml_limits few = { 0, 0, 3 };
	struct ca_xml_node *root = NULL;
	struct ca_err err;
	const char *doc = "<r><a/><b/><c/></r>";

	ca_err_clear(&err);
	ck_assert_int_eq(ca_xml_parse(doc, strlen(doc), &small, &root, &err), CA_ERANGE);
	ck_assert_ptr_nonnull(strstr(err.msg, "larger"));
	ca_err_clear(&err);
	ck_assert_int_eq(ca_xml_parse(doc, strlen(doc), &few, &root, &err), CA_ERANGE);
	ck_assert_ptr_null(root);
	few.max_nodes = 4;
	ck_assert_int_eq(ca_xml_parse(doc, strlen(doc), &few, &root, NULL), CA_OK);
	ca_xml_free(root);
}
END_TEST

START_TEST(xml_rejects_malformed_documents)
{
	static const char *const bad[] = {
		"",                                     /* nothing */
		"   ",
		"<a><b></a>",                           /* mismatched */
		"<a>",                                  /* truncated */
		"<a>text",
		"<a></a><b></b>",                       /* two roots */
		"text only",
		"<a>\xff\xfe</a>",                      /* not UTF-8 */
		"<a>\xc3</a>",                          /* cut sequence */
		"<a>\xed\xa0\x80</a>",                  /* encoded surrogate */
		"<a>&#0;</a>",                          /* NUL by reference */
		"<a b=\"1\" b=\"2\"/>",                 /* duplicate attribute */
		"<1a/>",
	};
	struct ca_xml_node *root;
	struct ca_err err;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		root = NULL;
		ck_assert_msg(parse(bad[i], &root, &err) == CA_EPARSE, "case %zu accepted", i);
		ck_assert_ptr_null(root);
		ck_assert_int_eq(err.code, CA_EPARSE);
	}
	/* embedded NUL inside the given length */
	root = NULL;
	ck_assert_int_eq(ca_xml_parse("<a>\0</a>", 8, NULL, &root, NULL), CA_EPARSE);
	ck_assert_ptr_null(root);
	ck_assert_int_eq(ca_xml_parse(NULL, 5, NULL, &root, NULL), CA_EINVAL);
	ck_assert_int_eq(ca_xml_parse("<a/>", 4, NULL, NULL, NULL), CA_EINVAL);
	ca_xml_free(NULL);
	ck_assert_ptr_null(ca_xml_child(NULL, "x"));
	ck_assert_ptr_null(ca_xml_path_text(NULL, "x"));
}
END_TEST

START_TEST(xml_escape_round_trips)
{
	struct ca_buf b = CA_BUF_INIT;
	struct ca_xml_node *root = NULL;
	const char *tricky = "a<b>&\"c'd";

	ca_buf_adds(&b, "<k>");
	ck_assert_int_eq(ca_xml_escape(&b, tricky), CA_OK);
	ca_buf_adds(&b, "</k>");
	ck_assert_str_eq(b.data, "<k>a&lt;b&gt;&amp;&quot;c&apos;d</k>");
	ck_assert_int_eq(ca_xml_parse(b.data, b.len, NULL, &root, NULL), CA_OK);
	ck_assert_str_eq(root->text, tricky);
	ca_xml_free(root);
	ca_buf_release(&b);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("xml");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, xml_reads_an_sts_answer);
	tcase_add_test(tc, xml_iterates_siblings_and_keeps_order);
	tcase_add_test(tc, xml_text_entities_cdata_prefixes);
	tcase_add_test(tc, xml_refuses_billion_laughs_and_external_entities);
	tcase_add_test(tc, xml_caps_depth_without_recursion);
	tcase_add_test(tc, xml_caps_size_and_element_count);
	tcase_add_test(tc, xml_rejects_malformed_documents);
	tcase_add_test(tc, xml_escape_round_trips);
	suite_add_tcase(s, tc);
	return s;
}

CA_TEST_MAIN()
