/* Integration tests: the data the dashboard reads without counting or
 * scanning (issue 14, issue 15 item 9):
 *   - video_counts (sql/013) stays exact through inserts, updates of ready
 *     and missing, and deletes: it always equals a real count;
 *   - the search expression (sql/012) and the stored lowercased search
 *     text the dashboard matches (sql/053) are served by their pg_trgm
 *     indexes, the stored text matches exactly what ILIKE over the
 *     expression matches, and searching finds a video by any of its seven
 *     columns, case-insensitively, but never across two columns;
 *   - the count of matches is exact up to the cap and "More than 1000"
 *     from 1001, beside a filter too, and a page past the cap shows the
 *     matches there. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void exec_ok(const char *sql)
{
	PGresult *r = PQexec(t_dbc, sql);

	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(t_dbc));
	PQclear(r);
}

static void counts_match_reality(void)
{
	long long total = t_db_num(t_dbc, "SELECT total FROM video_counts", 0, NULL);
	long long ready = t_db_num(t_dbc, "SELECT ready FROM video_counts", 0, NULL);

	assert_int_equal(total, t_db_num(t_dbc, "SELECT count(*) FROM videos", 0, NULL));
	assert_int_equal(ready, t_db_num(t_dbc, "SELECT count(*) FROM videos WHERE ready AND NOT missing",
					 0, NULL));
}

static void counts_follow_every_write(void **state)
{
	long long total0, ready0;

	(void)state;
	counts_match_reality();
	total0 = t_db_num(t_dbc, "SELECT total FROM video_counts", 0, NULL);
	ready0 = t_db_num(t_dbc, "SELECT ready FROM video_counts", 0, NULL);
	exec_ok("INSERT INTO videos (path, size_bytes, mtime, ready) VALUES"
		" ('counts/a.mp4', 1, 0, true), ('counts/b.mp4', 1, 0, true), ('counts/c.mp4', 1, 0, false)");
	assert_int_equal(t_db_num(t_dbc, "SELECT total FROM video_counts", 0, NULL), total0 + 3);
	assert_int_equal(t_db_num(t_dbc, "SELECT ready FROM video_counts", 0, NULL), ready0 + 2);
	exec_ok("UPDATE videos SET ready = false WHERE path = 'counts/a.mp4'");
	exec_ok("UPDATE videos SET ready = true WHERE path = 'counts/c.mp4'");
	exec_ok("UPDATE videos SET missing = true WHERE path = 'counts/b.mp4'");
	exec_ok("UPDATE videos SET title = 'renamed' WHERE path LIKE 'counts/%'");   /* no change */
	assert_int_equal(t_db_num(t_dbc, "SELECT ready FROM video_counts", 0, NULL), ready0 + 1);
	counts_match_reality();
	exec_ok("DELETE FROM videos WHERE path IN ('counts/b.mp4', 'counts/c.mp4')");
	assert_int_equal(t_db_num(t_dbc, "SELECT total FROM video_counts", 0, NULL), total0 + 1);
	assert_int_equal(t_db_num(t_dbc, "SELECT ready FROM video_counts", 0, NULL), ready0);
	/* a rolled-back write leaves the numbers as they were */
	exec_ok("BEGIN");
	exec_ok("INSERT INTO videos (path, size_bytes, mtime, ready) VALUES ('counts/d.mp4', 1, 0, true)");
	exec_ok("ROLLBACK");
	counts_match_reality();
	exec_ok("DELETE FROM videos WHERE path LIKE 'counts/%'");
	counts_match_reality();
}

/* The plan of SQL as one text. */
static void explain(const char *sql, struct buf *plan)
{
	PGresult *r = PQexec(t_dbc, sql);

	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	for (int i = 0; i < PQntuples(r); i++) {
		buf_puts(plan, PQgetvalue(r, i, 0));
		buf_putc(plan, '\n');
	}
	PQclear(r);
}

/* The search (the dashboard's and the plan's: UI_SEARCH_MATCHES) is served
 * by the one trigram index on the stored text; sql/054 dropped the index
 * on the expression that nothing matches any more. */
static void search_is_indexed(void **state)
{
	struct buf lower_plan = BUF_INIT;

	(void)state;
	exec_ok("SET enable_seqscan = off");
	explain("EXPLAIN SELECT count(*) FROM videos v WHERE v.search_lower LIKE lower('%Harvey%'::text)",
		&lower_plan);
	exec_ok("RESET enable_seqscan");
	t_contains(lower_plan.data, "videos_search_lower_trgm_idx");
	assert_int_equal(t_db_num(t_dbc, "SELECT count(*) FROM pg_indexes WHERE tablename = 'videos'"
				  " AND indexdef LIKE '%gin_trgm_ops%'", 0, NULL), 1);
	buf_free(&lower_plan);
}

/* The stored text (sql/053) matches what ILIKE over the expression matches,
 * for letters whose lower case is another length in bytes, escaped % _ and
 * \, and columns that are NULL or empty; and it follows an update. */
static void search_text_matches_as_ilike(void **state)
{
	static const char *const patterns[] = {
		"%İstanbul%", "%istanbul%", "%CÓMO%", "%ΣΟΦΊΑ%", "%σοφία%", "%STRASSE%", "%straße%",
		"%100\\%%", "%a\\_b%", "%back\\\\slash%", "%Å%", "%å%", "%ǅ%", "%ǆ%", "%k%",
		"%\n%", "%%", "%clip%",
	};
	(void)state;
	exec_ok("INSERT INTO videos (path, size_bytes, mtime, title, title_translation, expression,"
		" expression_translation, show_name, keywords, ready) VALUES"
		" ('eq/1.mp4', 1, 0, 'İstanbul CÓMO', NULL, 'ΣΟΦΊΑ', '', 'Straße', '{100%,a_b}', true),"
		" ('eq/2.mp4', 1, 0, 'istanbul cómo', 'σοφία', NULL, 'STRASSE', NULL, ARRAY['aXb', 'back\\slash'], true),"
		" ('eq/3.mp4', 1, 0, 'Å ǅ', 'K', 'clip', NULL, NULL, '{}', false)");
	for (size_t i = 0; i < sizeof(patterns) / sizeof(*patterns); i++) {
		const char *p[] = { patterns[i] };
		long long ilike = t_db_num(t_dbc, "SELECT count(*) FROM videos v WHERE v.path LIKE 'eq/%' AND"
				" videos_search_text(v.title, v.title_translation, v.expression,"
				" v.expression_translation, v.show_name, v.path, v.keywords) ILIKE $1", 1, p);
		long long lower = t_db_num(t_dbc, "SELECT count(*) FROM videos v WHERE v.path LIKE 'eq/%' AND"
				" v.search_lower LIKE lower($1::text)", 1, p);
		if (ilike != lower)
			fail_msg("pattern %s: ILIKE %lld, stored %lld", patterns[i], ilike, lower);
	}
	/* the stored text follows an update of a searched column */
	exec_ok("UPDATE videos SET title = 'Renamed' WHERE path LIKE 'eq/%'");
	assert_int_equal(t_db_num(t_dbc, "SELECT count(*) FROM videos WHERE path LIKE 'eq/%'"
				  " AND search_lower LIKE lower('%RENAMED%')", 0, NULL), 3);
	assert_int_equal(t_db_num(t_dbc, "SELECT count(*) FROM videos WHERE path LIKE 'eq/%'"
				  " AND search_lower LIKE lower('%cómo%')", 0, NULL), 0);
	exec_ok("DELETE FROM videos WHERE path LIKE 'eq/%'");
}

static void search_finds_each_column(void **state)
{
	char name[64], *id, *shown;
	struct tclient *c;
	struct tresp r;
	static const char *const finds[] = {
		"/?q=QUOKKA+title", "/?q=quokka+translation", "/?q=QUOKKA-EXPR", "/?q=quokka-meaning",
		"/?q=Quokka+Show", "/?q=quokka-path", "/?q=quokka+keyword",
	};

	(void)state;
	snprintf(name, sizeof(name), "libdata%d", (int)getpid());
	c = t_user_signed_in(name, "library-data-password", NULL);
	id = t_db_value(t_dbc, "INSERT INTO videos (path, size_bytes, mtime, title, title_translation, expression,"
		" expression_translation, show_name, keywords, ready) VALUES ('lib/quokka-path.mp4', 1, 0,"
		" 'Quokka title', 'Quokka translation', 'quokka-expr', 'quokka-meaning', 'quokka show',"
		" '{quokka keyword,other}', true) RETURNING id", 0, NULL);
	assert_non_null(id);
	shown = t_printf("/videos/%s/file", id);
	for (size_t i = 0; i < sizeof(finds) / sizeof(*finds); i++) {
		assert_int_equal(tc_get(c, finds[i], &r), 0);
		assert_int_equal(r.status, 200);
		if (!strstr(r.body.data, shown)) {
			tresp_free(&r);
			fail_msg("%s did not find the video", finds[i]);
		}
		tresp_free(&r);
	}
	/* the end of one column and the start of the next is no match, not
	 * even with a line break in the term */
	assert_int_equal(tc_get(c, "/?q=title+Quokka", &r), 0);
	t_lacks(r.body.data, shown);
	tresp_free(&r);
	assert_int_equal(tc_get(c, "/?q=title%0AQuokka", &r), 0);
	t_lacks(r.body.data, shown);
	tresp_free(&r);
	exec_ok("DELETE FROM videos WHERE path = 'lib/quokka-path.mp4'");

	/* a term matching more than 1000 videos is counted only that far */
	exec_ok("INSERT INTO videos (path, size_bytes, mtime, title, ready) SELECT 'lib/wombat-' || g || '.mp4',"
		" 1, 0, 'Wombat ' || g, true FROM generate_series(1, 1100) g");
	assert_int_equal(tc_get(c, "/?q=wombat", &r), 0);
	assert_int_equal(r.status, 200);
	t_contains(r.body.data, "More than 1000 matching");
	t_contains(r.body.data, "of more than 20");
	t_contains(r.body.data, "rel=\"next\"");
	tresp_free(&r);
	exec_ok("DELETE FROM videos WHERE path LIKE 'lib/wombat-%'");
	counts_match_reality();
	tc_free(c);
	free(shown);
	free(id);
}

/* The body of PATH for C, which must answer 200. */
static char *page_body(struct tclient *c, const char *path)
{
	struct tresp r;
	char *body;

	assert_int_equal(tc_get(c, path, &r), 0);
	assert_int_equal(r.status, 200);
	body = strdup(r.body.data);
	tresp_free(&r);
	return body;
}

/* The link to the video g of the numbats below. */
static char *numbat_link(int g)
{
	char *path = t_printf("lib/numbat-%d.mp4", g), *id, *link;
	const char *p[] = { path };

	id = t_db_value(t_dbc, "SELECT id FROM videos WHERE path = $1", 1, p);
	assert_non_null(id);
	link = t_printf("/videos/%s/file", id);
	free(id);
	free(path);
	return link;
}

/* The count of matches is exact up to the cap and "More than 1000" from
 * 1001, with a filter beside the term too; a page past the cap and a page
 * past the last match show what is there; % in a term is a %. */
static void search_counts_and_pages(void **state)
{
	char name[64], *body, *oldest, *on_page_20, *oldest_not_ready;
	struct tclient *c;

	(void)state;
	snprintf(name, sizeof(name), "libpages%d", (int)getpid());
	c = t_user_signed_in(name, "library-data-password", NULL);
	/* 1000 numbats, every fourth one not ready: 250 */
	exec_ok("INSERT INTO videos (path, size_bytes, mtime, title, ready) SELECT 'lib/numbat-' || g || '.mp4',"
		" 1, 0, 'Numbat ' || g, g % 4 <> 0 FROM generate_series(1, 1000) g ORDER BY g");
	oldest = numbat_link(1);
	on_page_20 = numbat_link(50);
	oldest_not_ready = numbat_link(4);

	body = page_body(c, "/?q=NUMBAT");
	t_contains(body, "1000 matching");
	t_lacks(body, "More than");
	t_contains(body, "Page 1 of 20<");
	free(body);
	body = page_body(c, "/?q=numbat&page=20");
	t_contains(body, oldest);
	t_lacks(body, "rel=\"next\"");
	free(body);
	body = page_body(c, "/?filter=not_ready&q=Numbat");
	t_contains(body, "250 matching");
	t_contains(body, "Page 1 of 5<");
	free(body);
	body = page_body(c, "/?filter=not_ready&q=Numbat&page=5");
	t_contains(body, oldest_not_ready);
	free(body);
	body = page_body(c, "/?filter=not_ready&q=Numbat&page=6");
	t_contains(body, "No video matches");
	free(body);
	body = page_body(c, "/?q=numbat%25");
	t_contains(body, "No video matches");
	free(body);

	/* the 1001st: counted only that far, and the oldest is on page 21 */
	exec_ok("INSERT INTO videos (path, size_bytes, mtime, title, ready) VALUES"
		" ('lib/numbat-1001.mp4', 1, 0, 'Numbat 1001', true)");
	body = page_body(c, "/?q=numbat");
	t_contains(body, "More than 1000 matching");
	t_contains(body, "of more than 20");
	free(body);
	body = page_body(c, "/?q=numbat&page=20");
	t_lacks(body, oldest);
	t_contains(body, on_page_20);
	t_contains(body, "rel=\"next\"");
	free(body);
	body = page_body(c, "/?q=numbat&page=21");
	t_contains(body, oldest);
	t_lacks(body, on_page_20);
	t_lacks(body, "rel=\"next\"");
	free(body);
	body = page_body(c, "/?filter=not_ready&q=numbat");
	t_contains(body, "250 matching");
	free(body);

	/* 1100: the pages past the cap still show the matches there */
	exec_ok("INSERT INTO videos (path, size_bytes, mtime, title, ready) SELECT 'lib/numbat-' || g || '.mp4',"
		" 1, 0, 'Numbat ' || g, true FROM generate_series(1002, 1100) g ORDER BY g");
	body = page_body(c, "/?q=numbat&page=21");
	t_lacks(body, oldest);
	t_contains(body, "rel=\"next\"");
	free(body);
	body = page_body(c, "/?q=numbat&page=22");
	t_contains(body, "More than 1000 matching");
	t_contains(body, oldest);
	t_contains(body, on_page_20);   /* 50 is the 1051st newest */
	t_contains(body, "rel=\"next\"");   /* a full page: there may be more */
	free(body);
	body = page_body(c, "/?q=numbat&page=23");
	t_contains(body, "No video matches");
	free(body);

	/* a filter counted in SQL without a term (the viewer has no failed
	 * job), asked past the fifth call, when a prepared statement may
	 * settle on a generic plan */
	for (int i = 0; i < 7; i++) {
		char *path = t_printf("/?filter=failed&r=%d", i);
		body = page_body(c, path);
		t_contains(body, "No video matches");
		free(body);
		free(path);
	}

	exec_ok("DELETE FROM videos WHERE path LIKE 'lib/numbat-%'");
	counts_match_reality();
	free(oldest);
	free(on_page_20);
	free(oldest_not_ready);
	tc_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(counts_follow_every_write),
		cmocka_unit_test(search_is_indexed),
		cmocka_unit_test(search_text_matches_as_ilike),
		cmocka_unit_test(search_finds_each_column),
		cmocka_unit_test(search_counts_and_pages),
	};
	return cmocka_run_group_tests_name("library_data", tests, t_db_setup, t_db_teardown);
}
