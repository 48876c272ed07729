# scripts/sql-to-c.awk — turns a file of SQL statements (each ending with ';' at the end
# of a line; "--" comment lines and blank lines between statements dropped) into the
# elements of a C string array, one string per statement without its ';':
#     "CREATE TABLE ... (\n"
#     "\tid INTEGER,\n"
#     ") ENGINE=InnoDB",
# The Makefile makes lib/db/mysql_schema.c's statements from lib/db/legacy_schema.sql
# with it, so the .sql file is the one copy.
# (character by character: gsub's handling of backslashes differs between awks)
function c_escape(s,    out, i, c) {
	out = ""
	for (i = 1; i <= length(s); i++) {
		c = substr(s, i, 1)
		if (c == "\\") c = "\\\\"
		else if (c == "\"") c = "\\\""
		else if (c == "\t") c = "\\t"
		out = out c
	}
	return out
}

BEGIN { in_stmt = 0 }
/^--/ { next }
!in_stmt && /^[ \t]*$/ { next }
{
	line = c_escape($0)
	if (line ~ /;[ \t]*$/) {
		sub(/;[ \t]*$/, "", line)
		printf "\t\"%s\",\n", line
		in_stmt = 0
	} else {
		printf "\t\"%s\\n\"\n", line
		in_stmt = 1
	}
}
END { if (in_stmt) { print "sql-to-c.awk: the last statement has no ';'" > "/dev/stderr"; exit 1 } }
