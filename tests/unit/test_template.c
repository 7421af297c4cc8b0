/* test_template.c — the Mustache engine against the spec's behaviour
 * (interpolation, sections, inverted, comments, partials, delimiters), plus
 * parse errors, the recursion guard, loading a folder and threaded rendering.
 *
 * Spec cases are one table: template, JSON data, partials, expected output.
 * In the data column ' stands for " so the JSON stays readable (\\' gives a
 * literal quote inside a JSON string). Each row runs as its own cmocka test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "template.h"

struct tcase {
	const char *name;
	const char *tmpl;
	const char *data;              /* JSON with ' for " */
	const char *partials[7];       /* name, source, name, source, ..., NULL */
	const char *expected;
};

static const struct tcase cases[] = {
	/* ---------------------------------------------------- interpolation */
	{ "interp: no interpolation", "Hello from {Mustache}!\n", "{}", { NULL },
	  "Hello from {Mustache}!\n" },
	{ "interp: basic", "Hello, {{subject}}!\n", "{'subject':'world'}", { NULL },
	  "Hello, world!\n" },
	{ "interp: html escaping", "These characters should be HTML escaped: {{forbidden}}\n",
	  "{'forbidden':'& \\' < >'}", { NULL },
	  "These characters should be HTML escaped: &amp; &quot; &lt; &gt;\n" },
	{ "interp: triple mustache", "These characters should not be HTML escaped: {{{forbidden}}}\n",
	  "{'forbidden':'& \\' < >'}", { NULL },
	  "These characters should not be HTML escaped: & \" < >\n" },
	{ "interp: ampersand", "These characters should not be HTML escaped: {{&forbidden}}\n",
	  "{'forbidden':'& \\' < >'}", { NULL },
	  "These characters should not be HTML escaped: & \" < >\n" },
	{ "interp: basic integer", "\"{{mph}} miles an hour!\"", "{'mph':85}", { NULL },
	  "\"85 miles an hour!\"" },
	{ "interp: triple integer", "\"{{{mph}}} miles an hour!\"", "{'mph':85}", { NULL },
	  "\"85 miles an hour!\"" },
	{ "interp: ampersand integer", "\"{{&mph}} miles an hour!\"", "{'mph':85}", { NULL },
	  "\"85 miles an hour!\"" },
	{ "interp: basic decimal", "\"{{power}} jiggawatts!\"", "{'power':1.210}", { NULL },
	  "\"1.21 jiggawatts!\"" },
	{ "interp: triple decimal", "\"{{{power}}} jiggawatts!\"", "{'power':1.210}", { NULL },
	  "\"1.21 jiggawatts!\"" },
	{ "interp: negative and large numbers", "{{a}} {{b}} {{c}} {{d}}",
	  "{'a':-42,'b':9223372036854775807,'c':0.1,'d':1e300}", { NULL },
	  "-42 9223372036854775807 0.1 1e+300" },
	{ "interp: integer edges", "{{a}} {{b}} {{c}} {{d}}",
	  "{'a':-9223372036854775808,'b':18446744073709551615,'c':0,'d':-1}", { NULL },
	  "-9223372036854775808 18446744073709551615 0 -1" },
	{ "interp: doubles", "{{a}} {{b}} {{c}} {{d}} {{e}} {{f}} {{g}} {{h}}",
	  "{'a':3.0,'b':-7.0,'c':-0.0,'d':1e15,'e':999999999999999.0,'f':0.30000000000000004,"
	  "'g':-2.5e-7,'h':29.97}", { NULL },
	  "3 -7 -0 1e+15 999999999999999 0.30000000000000004 -2.5e-07 29.97" },
	{ "interp: basic null", "I ({{cannot}}) be seen!", "{'cannot':null}", { NULL },
	  "I () be seen!" },
	{ "interp: triple null", "I ({{{cannot}}}) be seen!", "{'cannot':null}", { NULL },
	  "I () be seen!" },
	{ "interp: context miss", "I ({{cannot}}) be seen!", "{}", { NULL }, "I () be seen!" },
	{ "interp: ampersand context miss", "I ({{&cannot}}) be seen!", "{}", { NULL },
	  "I () be seen!" },
	{ "interp: booleans", "{{t}}/{{f}}", "{'t':true,'f':false}", { NULL }, "true/false" },
	{ "interp: objects and lists render nothing", "[{{o}}][{{l}}]", "{'o':{'a':1},'l':[1]}",
	  { NULL }, "[][]" },
	{ "interp: dotted basic",
	  "\"{{person.name}}\" == \"{{#person}}{{name}}{{/person}}\"",
	  "{'person':{'name':'Joe'}}", { NULL }, "\"Joe\" == \"Joe\"" },
	{ "interp: dotted triple",
	  "\"{{{person.name}}}\" == \"{{#person}}{{{name}}}{{/person}}\"",
	  "{'person':{'name':'Joe'}}", { NULL }, "\"Joe\" == \"Joe\"" },
	{ "interp: dotted arbitrary depth", "\"{{a.b.c.d.e.name}}\" == \"Phil\"",
	  "{'a':{'b':{'c':{'d':{'e':{'name':'Phil'}}}}}}", { NULL }, "\"Phil\" == \"Phil\"" },
	{ "interp: dotted broken chains", "\"{{a.b.c}}\" == \"\"", "{'a':{}}", { NULL },
	  "\"\" == \"\"" },
	{ "interp: dotted broken chain resolution", "\"{{a.b.c.name}}\" == \"\"",
	  "{'a':{'b':{}},'c':{'name':'Jim'}}", { NULL }, "\"\" == \"\"" },
	{ "interp: dotted initial resolution",
	  "\"{{#a}}{{b.c.d.e.name}}{{/a}}\" == \"Phil\"",
	  "{'a':{'b':{'c':{'d':{'e':{'name':'Phil'}}}}},'b':{'c':{'d':{'e':{'name':'Wrong'}}}}}",
	  { NULL }, "\"Phil\" == \"Phil\"" },
	{ "interp: dotted context precedence", "{{#a}}{{b.c}}{{/a}}",
	  "{'a':{'b':{}},'b':{'c':'ERROR'}}", { NULL }, "" },
	{ "interp: dotted names are never single keys", "{{a.b}}", "{'a.b':'c'}", { NULL }, "" },
	{ "interp: null value masks outer key", "{{#sec}}[{{x}}]{{/sec}}",
	  "{'x':'outer','sec':{'x':null}}", { NULL }, "[]" },
	{ "interp: implicit iterator basic", "Hello, {{.}}!\n", "'world'", { NULL },
	  "Hello, world!\n" },
	{ "interp: implicit iterator html escaping",
	  "These characters should be HTML escaped: {{.}}\n", "'& \\' < >'", { NULL },
	  "These characters should be HTML escaped: &amp; &quot; &lt; &gt;\n" },
	{ "interp: implicit iterator triple",
	  "These characters should not be HTML escaped: {{{.}}}\n", "'& \\' < >'", { NULL },
	  "These characters should not be HTML escaped: & \" < >\n" },
	{ "interp: implicit iterator ampersand",
	  "These characters should not be HTML escaped: {{&.}}\n", "'& \\' < >'", { NULL },
	  "These characters should not be HTML escaped: & \" < >\n" },
	{ "interp: implicit iterator integer", "\"{{.}} miles an hour!\"", "85", { NULL },
	  "\"85 miles an hour!\"" },
	{ "interp: surrounding whitespace", "| {{string}} |", "{'string':'---'}", { NULL },
	  "| --- |" },
	{ "interp: triple surrounding whitespace", "| {{{string}}} |", "{'string':'---'}",
	  { NULL }, "| --- |" },
	{ "interp: ampersand surrounding whitespace", "| {{&string}} |", "{'string':'---'}",
	  { NULL }, "| --- |" },
	{ "interp: standalone is not removed", "  {{string}}\n", "{'string':'---'}", { NULL },
	  "  ---\n" },
	{ "interp: triple standalone", "  {{{string}}}\n", "{'string':'---'}", { NULL },
	  "  ---\n" },
	{ "interp: ampersand standalone", "  {{&string}}\n", "{'string':'---'}", { NULL },
	  "  ---\n" },
	{ "interp: padding", "|{{ string }}|", "{'string':'---'}", { NULL }, "|---|" },
	{ "interp: triple padding", "|{{{ string }}}|", "{'string':'---'}", { NULL }, "|---|" },
	{ "interp: ampersand padding", "|{{& string }}|", "{'string':'---'}", { NULL }, "|---|" },
	{ "interp: apostrophe and backtick escaped too", "{{s}}", "{'s':'it`s = x\\'s'}",
	  { NULL }, "it&#96;s &#61; x&quot;s" },

	/* --------------------------------------------------------- sections */
	{ "section: truthy", "\"{{#boolean}}This should be rendered.{{/boolean}}\"",
	  "{'boolean':true}", { NULL }, "\"This should be rendered.\"" },
	{ "section: falsey", "\"{{#boolean}}This should not be rendered.{{/boolean}}\"",
	  "{'boolean':false}", { NULL }, "\"\"" },
	{ "section: null is falsey", "\"{{#null}}This should not be rendered.{{/null}}\"",
	  "{'null':null}", { NULL }, "\"\"" },
	{ "section: context", "\"{{#context}}Hi {{name}}.{{/context}}\"",
	  "{'context':{'name':'Joe'}}", { NULL }, "\"Hi Joe.\"" },
	{ "section: parent contexts", "{{#sec}}{{a}}, {{b}}, {{c.d}}{{/sec}}",
	  "{'a':'foo','b':'wrong','sec':{'b':'bar'},'c':{'d':'baz'}}", { NULL },
	  "foo, bar, baz" },
	{ "section: variable test", "{{#foo}}{{.}} is {{foo}}{{/foo}}", "{'foo':'bar'}", { NULL },
	  "bar is bar" },
	{ "section: list context",
	  "{{#tops}}{{#middles}}{{tname.lower}}{{mname}}.{{#bottoms}}{{tname.upper}}{{mname}}"
	  "{{bname}}.{{/bottoms}}{{/middles}}{{/tops}}",
	  "{'tops':[{'tname':{'upper':'A','lower':'a'},'middles':[{'mname':'1','bottoms':"
	  "[{'bname':'x'},{'bname':'y'}]}]}]}",
	  { NULL }, "a1.A1x.A1y." },
	{ "section: deeply nested contexts",
	  "{{#a}}\n{{one}}\n{{#b}}\n{{one}}{{two}}{{one}}\n{{#c}}\n{{one}}{{two}}{{three}}{{two}}{{one}}\n"
	  "{{#d}}\n{{one}}{{two}}{{three}}{{four}}{{three}}{{two}}{{one}}\n{{#five}}\n"
	  "{{one}}{{two}}{{three}}{{four}}{{five}}{{four}}{{three}}{{two}}{{one}}\n"
	  "{{one}}{{two}}{{three}}{{four}}{{.}}6{{.}}{{four}}{{three}}{{two}}{{one}}\n"
	  "{{one}}{{two}}{{three}}{{four}}{{five}}{{four}}{{three}}{{two}}{{one}}\n{{/five}}\n"
	  "{{one}}{{two}}{{three}}{{four}}{{three}}{{two}}{{one}}\n{{/d}}\n"
	  "{{one}}{{two}}{{three}}{{two}}{{one}}\n{{/c}}\n{{one}}{{two}}{{one}}\n{{/b}}\n{{one}}\n{{/a}}\n",
	  "{'a':{'one':1},'b':{'two':2},'c':{'three':3,'d':{'four':4,'five':5}}}", { NULL },
	  "1\n121\n12321\n1234321\n123454321\n12345654321\n123454321\n1234321\n12321\n121\n1\n" },
	{ "section: list", "\"{{#list}}{{item}}{{/list}}\"",
	  "{'list':[{'item':1},{'item':2},{'item':3}]}", { NULL }, "\"123\"" },
	{ "section: empty list", "\"{{#list}}Yay lists!{{/list}}\"", "{'list':[]}", { NULL },
	  "\"\"" },
	{ "section: doubled", "{{#bool}}\n* first\n{{/bool}}\n* {{two}}\n{{#bool}}\n* third\n{{/bool}}\n",
	  "{'bool':true,'two':'second'}", { NULL }, "* first\n* second\n* third\n" },
	{ "section: nested truthy", "| A {{#bool}}B {{#bool}}C{{/bool}} D{{/bool}} E |",
	  "{'bool':true}", { NULL }, "| A B C D E |" },
	{ "section: nested falsey", "| A {{#bool}}B {{#bool}}C{{/bool}} D{{/bool}} E |",
	  "{'bool':false}", { NULL }, "| A  E |" },
	{ "section: context misses", "[{{#missing}}Found key 'missing'!{{/missing}}]", "{}",
	  { NULL }, "[]" },
	{ "section: implicit iterator string", "\"{{#list}}({{.}}){{/list}}\"",
	  "{'list':['a','b','c','d','e']}", { NULL }, "\"(a)(b)(c)(d)(e)\"" },
	{ "section: implicit iterator integer", "\"{{#list}}({{.}}){{/list}}\"",
	  "{'list':[1,2,3,4,5]}", { NULL }, "\"(1)(2)(3)(4)(5)\"" },
	{ "section: implicit iterator decimal", "\"{{#list}}({{.}}){{/list}}\"",
	  "{'list':[1.10,2.20,3.30,4.40,5.50]}", { NULL }, "\"(1.1)(2.2)(3.3)(4.4)(5.5)\"" },
	{ "section: implicit iterator array", "\"{{#list}}({{#.}}{{.}}{{/.}}){{/list}}\"",
	  "{'list':[[1,2,3],['a','b','c']]}", { NULL }, "\"(123)(abc)\"" },
	{ "section: implicit iterator html escaping", "\"{{#list}}({{.}}){{/list}}\"",
	  "{'list':['&','\\'','<','>']}", { NULL }, "\"(&amp;)(&quot;)(&lt;)(&gt;)\"" },
	{ "section: implicit iterator triple", "\"{{#list}}({{{.}}}){{/list}}\"",
	  "{'list':['&','\\'','<','>']}", { NULL }, "\"(&)(\")(<)(>)\"" },
	{ "section: implicit iterator ampersand", "\"{{#list}}({{&.}}){{/list}}\"",
	  "{'list':['&','\\'','<','>']}", { NULL }, "\"(&)(\")(<)(>)\"" },
	{ "section: implicit iterator root-level", "\"{{#.}}({{value}}){{/.}}\"",
	  "[{'value':'a'},{'value':'b'}]", { NULL }, "\"(a)(b)\"" },
	{ "section: dotted names truthy", "\"{{#a.b.c}}Here{{/a.b.c}}\" == \"Here\"",
	  "{'a':{'b':{'c':true}}}", { NULL }, "\"Here\" == \"Here\"" },
	{ "section: dotted names falsey", "\"{{#a.b.c}}Here{{/a.b.c}}\" == \"\"",
	  "{'a':{'b':{'c':false}}}", { NULL }, "\"\" == \"\"" },
	{ "section: dotted names broken chains", "\"{{#a.b.c}}Here{{/a.b.c}}\" == \"\"",
	  "{'a':{}}", { NULL }, "\"\" == \"\"" },
	{ "section: surrounding whitespace", " | {{#boolean}}\t|\t{{/boolean}} | \n",
	  "{'boolean':true}", { NULL }, " | \t|\t | \n" },
	{ "section: internal whitespace",
	  " | {{#boolean}} {{! Important Whitespace }}\n {{/boolean}} | \n",
	  "{'boolean':true}", { NULL }, " |  \n  | \n" },
	{ "section: indented inline sections",
	  " {{#boolean}}YES{{/boolean}}\n {{#boolean}}GOOD{{/boolean}}\n",
	  "{'boolean':true}", { NULL }, " YES\n GOOD\n" },
	{ "section: standalone lines", "| This Is\n{{#boolean}}\n|\n{{/boolean}}\n| A Line\n",
	  "{'boolean':true}", { NULL }, "| This Is\n|\n| A Line\n" },
	{ "section: indented standalone lines",
	  "| This Is\n  {{#boolean}}\n|\n  {{/boolean}}\n| A Line\n",
	  "{'boolean':true}", { NULL }, "| This Is\n|\n| A Line\n" },
	{ "section: standalone line endings (CRLF)", "|\r\n{{#boolean}}\r\n{{/boolean}}\r\n|",
	  "{'boolean':true}", { NULL }, "|\r\n|" },
	{ "section: standalone without previous line", "  {{#boolean}}\n#{{/boolean}}\n/",
	  "{'boolean':true}", { NULL }, "#\n/" },
	{ "section: standalone without newline", "#{{#boolean}}\n/\n  {{/boolean}}",
	  "{'boolean':true}", { NULL }, "#\n/\n" },
	{ "section: padding", "|{{# boolean }}={{/ boolean }}|", "{'boolean':true}", { NULL },
	  "|=|" },
	{ "section: two tags on a line are not standalone", "{{#a}}{{/a}}\nx\n", "{'a':true}",
	  { NULL }, "\nx\n" },
	{ "section: empty string is truthy", "{{#s}}[{{.}}]{{/s}}", "{'s':''}", { NULL }, "[]" },
	{ "section: zero is truthy", "{{#n}}[{{.}}]{{/n}}", "{'n':0}", { NULL }, "[0]" },
	{ "section: list of lists of objects keeps outer names",
	  "{{#rows}}{{#cells}}{{title}}:{{v}} {{/cells}}{{/rows}}",
	  "{'title':'T','rows':[{'cells':[{'v':1},{'v':2}]},{'cells':[{'v':3}]}]}", { NULL },
	  "T:1 T:2 T:3 " },

	/* --------------------------------------------------------- inverted */
	{ "inverted: falsey", "\"{{^boolean}}This should be rendered.{{/boolean}}\"",
	  "{'boolean':false}", { NULL }, "\"This should be rendered.\"" },
	{ "inverted: truthy", "\"{{^boolean}}This should not be rendered.{{/boolean}}\"",
	  "{'boolean':true}", { NULL }, "\"\"" },
	{ "inverted: null is falsey", "\"{{^null}}This should be rendered.{{/null}}\"",
	  "{'null':null}", { NULL }, "\"This should be rendered.\"" },
	{ "inverted: context", "\"{{^context}}Hi {{name}}.{{/context}}\"",
	  "{'context':{'name':'Joe'}}", { NULL }, "\"\"" },
	{ "inverted: list", "\"{{^list}}{{n}}{{/list}}\"", "{'list':[{'n':1},{'n':2},{'n':3}]}",
	  { NULL }, "\"\"" },
	{ "inverted: empty list", "\"{{^list}}Yay lists!{{/list}}\"", "{'list':[]}", { NULL },
	  "\"Yay lists!\"" },
	{ "inverted: doubled",
	  "{{^bool}}\n* first\n{{/bool}}\n* {{two}}\n{{^bool}}\n* third\n{{/bool}}\n",
	  "{'bool':false,'two':'second'}", { NULL }, "* first\n* second\n* third\n" },
	{ "inverted: nested falsey", "| A {{^bool}}B {{^bool}}C{{/bool}} D{{/bool}} E |",
	  "{'bool':false}", { NULL }, "| A B C D E |" },
	{ "inverted: nested truthy", "| A {{^bool}}B {{^bool}}C{{/bool}} D{{/bool}} E |",
	  "{'bool':true}", { NULL }, "| A  E |" },
	{ "inverted: context misses", "[{{^missing}}Found key 'missing'!{{/missing}}]", "{}",
	  { NULL }, "[Found key 'missing'!]" },
	{ "inverted: dotted names truthy", "\"{{^a.b.c}}Not Here{{/a.b.c}}\" == \"\"",
	  "{'a':{'b':{'c':true}}}", { NULL }, "\"\" == \"\"" },
	{ "inverted: dotted names falsey", "\"{{^a.b.c}}Not Here{{/a.b.c}}\" == \"Not Here\"",
	  "{'a':{'b':{'c':false}}}", { NULL }, "\"Not Here\" == \"Not Here\"" },
	{ "inverted: dotted names broken chains",
	  "\"{{^a.b.c}}Not Here{{/a.b.c}}\" == \"Not Here\"", "{'a':{}}", { NULL },
	  "\"Not Here\" == \"Not Here\"" },
	{ "inverted: surrounding whitespace", " | {{^boolean}}\t|\t{{/boolean}} | \n",
	  "{'boolean':false}", { NULL }, " | \t|\t | \n" },
	{ "inverted: internal whitespace",
	  " | {{^boolean}} {{! Important Whitespace }}\n {{/boolean}} | \n",
	  "{'boolean':false}", { NULL }, " |  \n  | \n" },
	{ "inverted: indented inline sections",
	  " {{^boolean}}NO{{/boolean}}\n {{^boolean}}WAY{{/boolean}}\n",
	  "{'boolean':false}", { NULL }, " NO\n WAY\n" },
	{ "inverted: standalone lines", "| This Is\n{{^boolean}}\n|\n{{/boolean}}\n| A Line\n",
	  "{'boolean':false}", { NULL }, "| This Is\n|\n| A Line\n" },
	{ "inverted: standalone indented lines",
	  "| This Is\n  {{^boolean}}\n|\n  {{/boolean}}\n| A Line\n",
	  "{'boolean':false}", { NULL }, "| This Is\n|\n| A Line\n" },
	{ "inverted: standalone line endings (CRLF)", "|\r\n{{^boolean}}\r\n{{/boolean}}\r\n|",
	  "{'boolean':false}", { NULL }, "|\r\n|" },
	{ "inverted: standalone without previous line", "  {{^boolean}}\n^{{/boolean}}\n/",
	  "{'boolean':false}", { NULL }, "^\n/" },
	{ "inverted: standalone without newline", "^{{^boolean}}\n/\n  {{/boolean}}",
	  "{'boolean':false}", { NULL }, "^\n/\n" },
	{ "inverted: padding", "|{{^ boolean }}={{/ boolean }}|", "{'boolean':false}", { NULL },
	  "|=|" },

	/* --------------------------------------------------------- comments */
	{ "comment: inline", "12345{{! Comment Block! }}67890", "{}", { NULL }, "1234567890" },
	{ "comment: multiline", "12345{{!\n  This is a\n  multi-line comment...\n}}67890\n", "{}",
	  { NULL }, "1234567890\n" },
	{ "comment: standalone", "Begin.\n{{! Comment Block! }}\nEnd.\n", "{}", { NULL },
	  "Begin.\nEnd.\n" },
	{ "comment: indented standalone", "Begin.\n  {{! Indented Comment Block! }}\nEnd.\n", "{}",
	  { NULL }, "Begin.\nEnd.\n" },
	{ "comment: standalone line endings (CRLF)", "|\r\n{{! Standalone Comment }}\r\n|", "{}",
	  { NULL }, "|\r\n|" },
	{ "comment: standalone without previous line", "  {{! I'm Still Standalone }}\n!", "{}",
	  { NULL }, "!" },
	{ "comment: standalone without newline", "!\n  {{! I'm Still Standalone }}", "{}",
	  { NULL }, "!\n" },
	{ "comment: multiline standalone", "Begin.\n{{!\nSomething's going on here...\n}}\nEnd.\n",
	  "{}", { NULL }, "Begin.\nEnd.\n" },
	{ "comment: indented multiline standalone",
	  "Begin.\n  {{!\n    Something's going on here...\n  }}\nEnd.\n", "{}", { NULL },
	  "Begin.\nEnd.\n" },
	{ "comment: indented inline", "  12 {{! 34 }}\n", "{}", { NULL }, "  12 \n" },
	{ "comment: surrounding whitespace", "12345 {{! Comment Block! }} 67890", "{}", { NULL },
	  "12345  67890" },
	{ "comment: variable name collision", "comments never show: >{{! comment }}<",
	  "{'! comment':1,'! comment ':2,'!comment':3,'comment':4}", { NULL },
	  "comments never show: ><" },

	/* --------------------------------------------------------- partials */
	{ "partial: basic", "\"{{>text}}\"", "{}", { "text", "from partial", NULL },
	  "\"from partial\"" },
	{ "partial: failed lookup", "\"{{>text}}\"", "{}", { NULL }, "\"\"" },
	{ "partial: context", "\"{{>partial}}\"", "{'text':'content'}",
	  { "partial", "*{{text}}*", NULL }, "\"*content*\"" },
	{ "partial: recursion", "{{>node}}",
	  "{'content':'X','nodes':[{'content':'Y','nodes':[]}]}",
	  { "node", "{{content}}<{{#nodes}}{{>node}}{{/nodes}}>", NULL }, "X<Y<>>" },
	{ "partial: nested", "{{>outer}}", "{'a':'hello','b':'world'}",
	  { "outer", "*{{a}} {{>inner}}*", "inner", "{{b}}!", NULL }, "*hello world!*" },
	{ "partial: surrounding whitespace", "| {{>partial}} |", "{}",
	  { "partial", "\t|\t", NULL }, "| \t|\t |" },
	{ "partial: inline indentation", "  {{data}}  {{> partial}}\n", "{'data':'|'}",
	  { "partial", ">\n>", NULL }, "  |  >\n>\n" },
	{ "partial: standalone line endings (CRLF)", "|\r\n{{>partial}}\r\n|", "{}",
	  { "partial", ">", NULL }, "|\r\n>|" },
	{ "partial: standalone without previous line", "  {{>partial}}\n>", "{}",
	  { "partial", ">\n>", NULL }, "  >\n  >>" },
	{ "partial: standalone without newline", ">\n  {{>partial}}", "{}",
	  { "partial", ">\n>", NULL }, ">\n  >\n  >" },
	{ "partial: standalone indentation", "\\\n {{>partial}}\n/\n", "{'content':'<\\n->'}",
	  { "partial", "|\n{{{content}}}\n|\n", NULL }, "\\\n |\n <\n->\n |\n/\n" },
	{ "partial: padding whitespace", "|{{> partial }}|", "{'boolean':true}",
	  { "partial", "[]", NULL }, "|[]|" },
	{ "partial: nested standalone indentation adds up", "  {{>p1}}\n", "{}",
	  { "p1", "a\n  {{>p2}}\nb\n", "p2", "c\nd\n", NULL }, "  a\n    c\n    d\n  b\n" },
	{ "partial: standalone sections inside an indented partial", "  {{>p}}\n",
	  "{'a':true}", { "p", "{{#a}}\nx\n{{/a}}\ny\n", NULL }, "  x\n  y\n" },
	{ "partial: indentation before a tag that renders nothing", "  {{>p}}\n", "{'v':''}",
	  { "p", "{{v}}|\n{{#no}}x{{/no}}|\n", NULL }, "  |\n  |\n" },
	{ "partial: CRLF lines are indented", "  {{>p}}\r\n|", "{}", { "p", "a\r\nb\r\n", NULL },
	  "  a\r\n  b\r\n|" },
	{ "partial: indentation before an inline comment", "  {{>p}}\n", "{}",
	  { "p", "{{! c }}x\n", NULL }, "  x\n" },
	{ "partial: indentation before an inline close tag", "  {{>p}}\n", "{'a':[1,2]}",
	  { "p", "{{#a}}x\n{{/a}}y\n", NULL }, "  x\n  x\n  y\n" },
	{ "partial: inline partial in an indented partial is not indented", "  {{>p}}\n", "{}",
	  { "p", "<{{>q}}>\n", "q", "1\n2", NULL }, "  <1\n2>\n" },
	{ "partial: list rows", "<ul>\n{{#rows}}\n  {{>row}}\n{{/rows}}\n</ul>\n",
	  "{'rows':[{'t':'a<b'},{'t':'c'}]}", { "row", "<li>{{t}}</li>\n", NULL },
	  "<ul>\n  <li>a&lt;b</li>\n  <li>c</li>\n</ul>\n" },

	/* ------------------------------------------------------- delimiters */
	{ "delim: pair behavior", "{{=<% %>=}}(<%text%>)", "{'text':'Hey!'}", { NULL }, "(Hey!)" },
	{ "delim: special characters", "({{=[ ]=}}[text])", "{'text':'It worked!'}", { NULL },
	  "(It worked!)" },
	{ "delim: sections",
	  "[\n{{#section}}\n  {{data}}\n  |data|\n{{/section}}\n\n{{= | | =}}\n|#section|\n"
	  "  {{data}}\n  |data|\n|/section|\n]\n",
	  "{'section':true,'data':'I got interpolated.'}", { NULL },
	  "[\n  I got interpolated.\n  |data|\n\n  {{data}}\n  I got interpolated.\n]\n" },
	{ "delim: inverted sections",
	  "[\n{{^section}}\n  {{data}}\n  |data|\n{{/section}}\n\n{{= | | =}}\n|^section|\n"
	  "  {{data}}\n  |data|\n|/section|\n]\n",
	  "{'section':false,'data':'I got interpolated.'}", { NULL },
	  "[\n  I got interpolated.\n  |data|\n\n  {{data}}\n  I got interpolated.\n]\n" },
	{ "delim: partial inheritance", "[ {{>include}} ]\n{{= | | =}}\n[ |>include| ]\n",
	  "{'value':'yes'}", { "include", ".{{value}}.", NULL }, "[ .yes. ]\n[ .yes. ]\n" },
	{ "delim: post-partial behavior", "[ {{>include}} ]\n[ .{{value}}.  .|value|. ]\n",
	  "{'value':'yes'}", { "include", ".{{value}}. {{= | | =}} .|value|.", NULL },
	  "[ .yes.  .yes. ]\n[ .yes.  .|value|. ]\n" },
	{ "delim: surrounding whitespace", "| {{=@ @=}} |", "{}", { NULL }, "|  |" },
	{ "delim: outlying whitespace inline", " | {{=@ @=}}\n", "{}", { NULL }, " | \n" },
	{ "delim: standalone tag", "Begin.\n{{=@ @=}}\nEnd.\n", "{}", { NULL },
	  "Begin.\nEnd.\n" },
	{ "delim: indented standalone tag", "Begin.\n  {{=@ @=}}\nEnd.\n", "{}", { NULL },
	  "Begin.\nEnd.\n" },
	{ "delim: standalone line endings (CRLF)", "|\r\n{{= @ @ =}}\r\n|", "{}", { NULL },
	  "|\r\n|" },
	{ "delim: standalone without previous line", "  {{=@ @=}}\n=", "{}", { NULL }, "=" },
	{ "delim: standalone without newline", "=\n  {{=@ @=}}", "{}", { NULL }, "=\n" },
	{ "delim: pair with padding", "|{{= @   @ =}}|", "{}", { NULL }, "||" },
	{ "delim: triple and ampersand with new delimiters", "{{=<% %>=}}<%{x}%> <%&x%> <%x%>",
	  "{'x':'<'}", { NULL }, "< < &lt;" },
	{ "delim: back to the default", "{{=<% %>=}}<%a%><%={{ }}=%>{{a}}", "{'a':'1'}", { NULL },
	  "11" },
};

/* ' → " so the table's JSON reads without backslashes. */
static struct json_object *parse_data(const char *data)
{
	char *s = strdup(data);
	struct json_object *o;

	for (char *p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	o = json_tokener_parse(s);
	free(s);
	return o;
}

static void run_case(void **state)
{
	const struct tcase *c = *state;
	struct tmpl_set *set = tmpl_set_new();
	struct json_object *data = parse_data(c->data);
	struct buf out = BUF_INIT;
	struct tmpl *t;
	char err[256] = "";

	assert_true(data != NULL || strcmp(c->data, "null") == 0);
	for (int i = 0; c->partials[i]; i += 2)
		assert_int_equal(tmpl_set_add(set, c->partials[i], c->partials[i + 1],
					      strlen(c->partials[i + 1]), err, sizeof(err)), 0);
	t = tmpl_parse(c->tmpl, strlen(c->tmpl), "case", err, sizeof(err));
	if (!t)
		fail_msg("parse failed: %s", err);
	assert_int_equal(tmpl_render(t, set, data, &out), 0);
	assert_string_equal(buf_cstr(&out), c->expected);
	/* a second render appends the same again: rendering keeps no state */
	assert_int_equal(tmpl_render(t, set, data, &out), 0);
	assert_int_equal(out.len, 2 * strlen(c->expected));
	assert_memory_equal(out.data + strlen(c->expected), c->expected, strlen(c->expected));
	buf_free(&out);
	tmpl_free(t);
	tmpl_set_free(set);
	json_object_put(data);
}

/* ------------------------------------------------------------ parse errors */

static void expect_parse_error(const char *src, const char *prefix)
{
	char err[256] = "";
	struct tmpl *t = tmpl_parse(src, strlen(src), "page.mustache", err, sizeof(err));

	if (t) {
		tmpl_free(t);
		fail_msg("'%s' parsed but should fail with '%s'", src, prefix);
	}
	if (strncmp(err, prefix, strlen(prefix)) != 0)
		fail_msg("'%s': error '%s' does not start with '%s'", src, err, prefix);
}

static void test_parse_errors(void **state)
{
	(void)state;
	expect_parse_error("a\n{{#items}}\nx\n", "page.mustache:2: unclosed section 'items'");
	expect_parse_error("{{#a}}\n{{#b}}\n{{/a}}\n", "page.mustache:3: mismatched close tag 'a'");
	expect_parse_error("x\n\ny {{name", "page.mustache:3: unclosed tag");
	expect_parse_error("{{{name}}", "page.mustache:1: unclosed tag");
	expect_parse_error("\n{{/a}}", "page.mustache:2: close tag 'a' without an open section");
	expect_parse_error("{{=<% =}}", "page.mustache:1: bad set-delimiter tag");
	expect_parse_error("{{=<% %> x=}}", "page.mustache:1: bad set-delimiter tag");
	expect_parse_error("{{=<%=% %>=}}", "page.mustache:1: bad set-delimiter tag");
	expect_parse_error("{{}}", "page.mustache:1: empty tag name");
	expect_parse_error("{{# }}{{/ }}", "page.mustache:1: empty tag name");
	expect_parse_error("{{>}}", "page.mustache:1: empty tag name");
	expect_parse_error("{{a..b}}", "page.mustache:1: bad name 'a..b'");
	expect_parse_error("{{.a}}", "page.mustache:1: bad name '.a'");
	expect_parse_error("{{=<% %>=}}\n<%x}}", "page.mustache:2: unclosed tag");
	expect_parse_error("{{!unclosed comment", "page.mustache:1: unclosed tag");
}

static void test_section_nesting_limit(void **state)
{
	struct buf src = BUF_INIT;
	char err[256] = "";
	struct tmpl *t;

	(void)state;
	for (int i = 0; i < TMPL_MAX_SECTION_DEPTH; i++)
		buf_puts(&src, "{{#a}}");
	for (int i = 0; i < TMPL_MAX_SECTION_DEPTH; i++)
		buf_puts(&src, "{{/a}}");
	t = tmpl_parse(src.data, src.len, "deep", err, sizeof(err));
	assert_non_null(t);
	tmpl_free(t);
	buf_reset(&src);
	for (int i = 0; i <= TMPL_MAX_SECTION_DEPTH; i++)
		buf_puts(&src, "{{#a}}");
	t = tmpl_parse(src.data, src.len, "deep", err, sizeof(err));
	assert_null(t);
	assert_non_null(strstr(err, "nested deeper"));
	buf_free(&src);
}

static void test_err_may_be_null(void **state)
{
	(void)state;
	assert_null(tmpl_parse("{{#a}}", 6, "x", NULL, 0));
}

/* ----------------------------------------------------------- depth guard */

static void test_self_recursive_partial_fails(void **state)
{
	struct tmpl_set *set = tmpl_set_new();
	struct buf out = BUF_INIT;
	char err[256];

	(void)state;
	assert_int_equal(tmpl_set_add(set, "loop", "x{{>loop}}", strlen("x{{>loop}}"), err, sizeof(err)), 0);
	assert_int_equal(tmpl_set_add(set, "ping", "{{>pong}}", strlen("{{>pong}}"), err, sizeof(err)), 0);
	assert_int_equal(tmpl_set_add(set, "pong", "{{>ping}}", strlen("{{>ping}}"), err, sizeof(err)), 0);
	assert_int_equal(tmpl_render(tmpl_set_get(set, "loop"), set, NULL, &out), -1);
	buf_reset(&out);
	assert_int_equal(tmpl_render(tmpl_set_get(set, "ping"), set, NULL, &out), -1);
	buf_free(&out);
	tmpl_set_free(set);
}

/* A tree `levels` deep rendered by a recursive partial. */
static int render_tree(int levels, struct buf *out)
{
	struct tmpl_set *set = tmpl_set_new();
	struct json_object *root = json_object_new_object(), *cur = root;
	char err[256];
	int rc;

	for (int i = 1; i < levels; i++) {
		struct json_object *child = json_object_new_object(), *list = json_object_new_array();
		json_object_array_add(list, child);
		json_object_object_add(cur, "kids", list);
		cur = child;
	}
	/* the leaf needs its own empty list, or "kids" resolves to its parent's */
	json_object_object_add(cur, "kids", json_object_new_array());
	assert_int_equal(tmpl_set_add(set, "node", "({{#kids}}{{>node}}{{/kids}})",
				      strlen("({{#kids}}{{>node}}{{/kids}})"), err, sizeof(err)), 0);
	rc = tmpl_render(tmpl_set_get(set, "node"), set, root, out);
	json_object_put(root);
	tmpl_set_free(set);
	return rc;
}

static void test_recursion_depth_limit(void **state)
{
	struct buf out = BUF_INIT;

	(void)state;
	/* the template itself is not a partial: 1 + 63 nested partials */
	assert_int_equal(render_tree(TMPL_MAX_PARTIAL_DEPTH + 1, &out), 0);
	assert_int_equal(out.len, 2 * (TMPL_MAX_PARTIAL_DEPTH + 1));
	buf_reset(&out);
	assert_int_equal(render_tree(TMPL_MAX_PARTIAL_DEPTH + 2, &out), -1);
	buf_free(&out);
}

static void test_null_partial_set_and_null_context(void **state)
{
	char err[64];
	const char *src = "a{{>p}}b{{x}}{{#y}}c{{/y}}{{^y}}d{{/y}}[{{.}}]";
	struct tmpl *t = tmpl_parse(src, strlen(src), "t", err, sizeof(err));
	struct buf out = BUF_INIT;

	(void)state;
	assert_non_null(t);
	assert_int_equal(tmpl_render(t, NULL, NULL, &out), 0);
	assert_string_equal(out.data, "abd[]");
	buf_free(&out);
	tmpl_free(t);
}

/* ------------------------------------------------------------------ sets */

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_set_load(void **state)
{
	char dir[] = "/tmp/tmpl-test-XXXXXX", path[512], err[512] = "";
	struct tmpl_set *set;
	struct json_object *ctx = parse_data("{'rows':[{'name':'a&b'},{'name':'c'}]}");
	struct buf out = BUF_INIT;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/partials", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/page.mustache", dir);
	write_file(path, "<ul>\n{{#rows}}\n  {{>row}}\n{{/rows}}\n</ul>\n");
	snprintf(path, sizeof(path), "%s/partials/row.mustache", dir);
	write_file(path, "<li>{{name}}</li>\n");
	snprintf(path, sizeof(path), "%s/notes.txt", dir);
	write_file(path, "{{#not a template");

	set = tmpl_set_load(dir, err, sizeof(err));
	if (!set)
		fail_msg("load: %s", err);
	assert_non_null(tmpl_set_get(set, "page"));
	assert_non_null(tmpl_set_get(set, "row"));
	assert_null(tmpl_set_get(set, "notes"));
	assert_int_equal(tmpl_render(tmpl_set_get(set, "page"), set, ctx, &out), 0);
	assert_string_equal(out.data, "<ul>\n  <li>a&amp;b</li>\n  <li>c</li>\n</ul>\n");
	tmpl_set_free(set);

	/* a parse error names the file and the line */
	snprintf(path, sizeof(path), "%s/partials/bad.mustache", dir);
	write_file(path, "ok\n{{#open}}\n");
	assert_null(tmpl_set_load(dir, err, sizeof(err)));
	snprintf(path, sizeof(path), "%s/partials/bad.mustache:2: unclosed section 'open'", dir);
	assert_string_equal(err, path);
	snprintf(path, sizeof(path), "%s/partials/bad.mustache", dir);
	unlink(path);

	/* the same name twice (folder and partials/) is refused */
	snprintf(path, sizeof(path), "%s/row.mustache", dir);
	write_file(path, "dup");
	assert_null(tmpl_set_load(dir, err, sizeof(err)));
	assert_non_null(strstr(err, "already loaded"));
	unlink(path);

	/* a missing folder is an error naming it */
	snprintf(path, sizeof(path), "%s/nope", dir);
	assert_null(tmpl_set_load(path, err, sizeof(err)));
	assert_non_null(strstr(err, "nope"));

	snprintf(path, sizeof(path), "%s/page.mustache", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/partials/row.mustache", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/notes.txt", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/partials", dir);
	rmdir(path);
	rmdir(dir);
	buf_free(&out);
	json_object_put(ctx);
}

static void test_set_add_duplicate(void **state)
{
	struct tmpl_set *set = tmpl_set_new();
	char err[256] = "";

	(void)state;
	assert_int_equal(tmpl_set_add(set, "a", "x", 1, err, sizeof(err)), 0);
	assert_int_equal(tmpl_set_add(set, "a", "y", 1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "already loaded"));
	assert_int_equal(tmpl_set_add(set, "b", "{{#x}}", 6, err, sizeof(err)), -1);
	assert_string_equal(err, "b:1: unclosed section 'x'");
	assert_null(tmpl_set_get(set, "b"));
	tmpl_set_free(set);
}

/* ------------------------------------------------------- random input */

/* Templates made of Mustache's own punctuation either parse or fail with a
 * "name:line:" message, and whatever parses renders (under the sanitizers
 * in the test build, so a stray read or write fails the run). */
static void test_random_templates(void **state)
{
	static const char alphabet[] = "{{}}#^/!>&=.ab \n\r|<%";
	struct json_object *ctx = parse_data("{'a':[{'b':1},{'b':'<'}],'b':true,'.':2}");
	struct tmpl_set *set = tmpl_set_new();
	struct buf out = BUF_INIT;
	uint32_t seed = 12345;
	char src[48], err[256];
	int parsed = 0;

	(void)state;
	assert_int_equal(tmpl_set_add(set, "a", "[{{b}}{{>a}}]", 13, err, sizeof(err)), 0);
	for (int i = 0; i < 30000; i++) {
		size_t n;
		struct tmpl *t;

		seed = seed * 1103515245u + 12345u;
		n = (seed >> 16) % sizeof(src);
		for (size_t k = 0; k < n; k++) {
			seed = seed * 1103515245u + 12345u;
			src[k] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		t = tmpl_parse(src, n, "r", err, sizeof(err));
		if (!t) {
			assert_memory_equal(err, "r:", 2);
			continue;
		}
		parsed++;
		buf_reset(&out);
		(void)tmpl_render(t, set, ctx, &out);
		assert_int_equal(strlen(buf_cstr(&out)), out.len);
		tmpl_free(t);
	}
	assert_true(parsed > 1000);
	buf_free(&out);
	tmpl_set_free(set);
	json_object_put(ctx);
}

/* ------------------------------------------------------------- threads */

struct shared {
	const struct tmpl *t;
	const struct tmpl_set *set;
	struct json_object *ctx;
	const char *expected;
	int ok;
};

static void *render_many(void *arg)
{
	struct shared *sh = arg;
	struct buf out = BUF_INIT;

	sh->ok = 1;
	for (int i = 0; i < 200; i++) {
		buf_reset(&out);
		if (tmpl_render(sh->t, sh->set, sh->ctx, &out) != 0 ||
		    strcmp(buf_cstr(&out), sh->expected) != 0)
			sh->ok = 0;
	}
	buf_free(&out);
	return NULL;
}

static void test_threads_share_template_and_context(void **state)
{
	struct tmpl_set *set = tmpl_set_new();
	struct json_object *ctx = parse_data(
		"{'rows':[{'n':1,'d':2.5,'s':'<a>','b':true},{'n':2,'d':0.25,'s':'x','b':false}]}");
	struct buf expected = BUF_INIT;
	struct shared sh[4];
	pthread_t th[4];
	char err[256];

	(void)state;
	assert_int_equal(tmpl_set_add(set, "row", "{{n}} {{d}} {{s}} {{b}}\n", strlen("{{n}} {{d}} {{s}} {{b}}\n"), err, sizeof(err)), 0);
	assert_int_equal(tmpl_set_add(set, "page", "{{#rows}}\n{{>row}}\n{{/rows}}\n",
				      strlen("{{#rows}}\n{{>row}}\n{{/rows}}\n"), err, sizeof(err)), 0);
	assert_int_equal(tmpl_render(tmpl_set_get(set, "page"), set, ctx, &expected), 0);
	assert_string_equal(expected.data, "1 2.5 &lt;a&gt; true\n2 0.25 x false\n");
	for (int i = 0; i < 4; i++) {
		sh[i] = (struct shared){ tmpl_set_get(set, "page"), set, ctx, expected.data, 0 };
		assert_int_equal(pthread_create(&th[i], NULL, render_many, &sh[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(sh[i].ok, 1);
	}
	buf_free(&expected);
	json_object_put(ctx);
	tmpl_set_free(set);
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_section_nesting_limit),
		cmocka_unit_test(test_err_may_be_null),
		cmocka_unit_test(test_self_recursive_partial_fails),
		cmocka_unit_test(test_recursion_depth_limit),
		cmocka_unit_test(test_null_partial_set_and_null_context),
		cmocka_unit_test(test_set_load),
		cmocka_unit_test(test_set_add_duplicate),
		cmocka_unit_test(test_random_templates),
		cmocka_unit_test(test_threads_share_template_and_context),
	};
	size_t ncases = sizeof(cases) / sizeof(cases[0]), nfixed = sizeof(fixed) / sizeof(fixed[0]);
	struct CMUnitTest *tests = calloc(ncases + nfixed, sizeof(*tests));
	int rc;

	for (size_t i = 0; i < ncases; i++) {
		tests[i].name = cases[i].name;
		tests[i].test_func = run_case;
		tests[i].initial_state = (void *)&cases[i];
	}
	memcpy(tests + ncases, fixed, sizeof(fixed));
	rc = _cmocka_run_group_tests("template", tests, ncases + nfixed, NULL, NULL);
	free(tests);
	return rc;
}
