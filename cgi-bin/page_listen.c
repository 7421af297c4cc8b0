/* page_listen.c — what lets a kept page be answered without a statement.
 *
 * A kept answer (page_cache.c) is exact while nothing it shows changed.
 * Every such change notifies lf_pages at its commit (sql/055); one thread
 * of the process LISTENs there on a connection of its own and tells the
 * cache whose pages may have changed (page_cache_heard).
 *
 * Hearing is not enough on its own: a notification reaches this process a
 * little after its commit, and a request that comes in that gap would get
 * the page from before. So a request answered from the cache first waits
 * for a sync (page_listen_sync): an empty query on the listening
 * connection, sent after the request came in. PostgreSQL signals the
 * listening sessions while a notifying transaction commits, before its
 * client hears that it committed, and a session sends the notifications
 * it was signalled for before it reads its next query; so when the answer
 * to the sync arrives, libpq has already read every notification of every
 * commit that was acknowledged before the request came in, and they have
 * been applied (the listener applies what it read before it counts the sync
 * done). The requests waiting at the same time share one sync, so under
 * load a hit costs a fraction of the cheapest round trip there is instead
 * of the statements of its version.
 *
 * Not listening (no connection yet, the database restarted, a sync not
 * answered in SYNC_DEAD_MS): every kept page is distrusted at once
 * (page_cache_heard(0)) and every request checks its version in the
 * database, as it did before; the listener reconnects in the background.
 *
 * The listening connection must be a session of its own: through
 * pgbouncer in transaction mode LISTEN does not hold (the sync would then
 * prove nothing), so give it a direct address (page_cache_listen_url,
 * docs/operations.md) or turn page_cache_listen off. */
#include "app.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHANNEL "lf_pages"
#define SYNC_WAIT_MS 200          /* a request waits this long, then asks the database */
#define SYNC_DEAD_MS 2000         /* a sync not answered by then: the connection is gone */
#define RETRY_MIN_MS 100
#define RETRY_MAX_MS 5000

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t synced;      /* CLOCK_MONOTONIC */
static int listening;              /* LISTEN holds on the connection */
static int stopping;
static uint64_t sent, answered;    /* syncs sent, and the last one answered */
static uint64_t wanted;            /* the highest sync a request waits for */
static int in_flight;              /* a sync is on the wire */
static int wake_pipe[2] = { -1, -1 };
static pthread_t thread;
static int started;

static struct timespec deadline_in(long ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

static void wake_listener(void)
{
	ssize_t n = write(wake_pipe[1], "s", 1);

	(void)n;   /* a full pipe already wakes it */
}

int page_listen_sync(void)
{
	struct timespec until = deadline_in(SYNC_WAIT_MS);
	uint64_t mine;
	int ok, wake = 0;

	if (!started)
		return 0;
	pthread_mutex_lock(&mu);
	if (!listening) {
		pthread_mutex_unlock(&mu);
		return 0;
	}
	/* a sync sent after now: the one on the wire may have been sent
	 * before this request came in */
	mine = sent + 1;
	if (mine > wanted) {
		wanted = mine;
		wake = !in_flight;
	}
	pthread_mutex_unlock(&mu);
	if (wake)
		wake_listener();
	pthread_mutex_lock(&mu);
	while (listening && answered < mine)
		if (pthread_cond_timedwait(&synced, &mu, &until) == ETIMEDOUT)
			break;
	ok = listening && answered >= mine;
	pthread_mutex_unlock(&mu);
	return ok;
}

/* "u:ID" or "a" (sql/055); anything else distrusts everyone's pages. */
static void heard(const char *payload)
{
	int64_t user = 0;

	if (!strncmp(payload, "u:", 2) && parse_int64(payload + 2, 1, INT64_MAX, &user) < 0)
		user = 0;
	page_cache_heard(user);
}

static void set_listening(int on)
{
	pthread_mutex_lock(&mu);
	listening = on;
	in_flight = 0;
	answered = sent;       /* nobody waits for a sync that will not come */
	pthread_cond_broadcast(&synced);
	pthread_mutex_unlock(&mu);
}

static PGconn *connect_and_listen(void)
{
	/* a bounded wait (the address's own connect_timeout wins), so that a
	 * host that does not answer never holds up the app's stop; named, so
	 * that pg_stat_activity (and a test) can tell it apart */
	const char *keys[] = { "connect_timeout", "dbname", "application_name", NULL };
	const char *url = *app.cfg.page_cache_listen_url ? app.cfg.page_cache_listen_url : app.cfg.database_url;
	const char *values[] = { "5", url, "langflix page_listen", NULL };
	PGconn *c = PQconnectdbParams(keys, values, 1);
	PGresult *r;

	if (PQstatus(c) != CONNECTION_OK) {
		log_warn("event=page_listen_unavailable err=%s", log_quote(PQerrorMessage(c)));
		PQfinish(c);
		return NULL;
	}
	r = PQexec(c, "LISTEN " CHANNEL);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		log_warn("event=page_listen_refused err=%s", log_quote(PQerrorMessage(c)));
		PQclear(r);
		PQfinish(c);
		return NULL;
	}
	PQclear(r);
	return c;
}

/* Read what arrived: the notifications first, then the sync's answer, so
 * that a sync counts as done only once what came before it is applied.
 * 0, or -1 when the connection failed. */
static int take_input(PGconn *c)
{
	PGnotify *n;
	PGresult *r;

	if (!PQconsumeInput(c))
		return -1;
	(void)PQisBusy(c);     /* parses what was read, notifications included */
	while ((n = PQnotifies(c)) != NULL) {
		heard(n->extra);
		PQfreemem(n);
	}
	while (in_flight && !PQisBusy(c)) {
		r = PQgetResult(c);
		if (!r) {
			pthread_mutex_lock(&mu);
			answered = sent;     /* the one on the wire */
			in_flight = 0;
			pthread_cond_broadcast(&synced);
			pthread_mutex_unlock(&mu);
			break;
		}
		if (PQresultStatus(r) != PGRES_EMPTY_QUERY) {
			PQclear(r);
			return -1;
		}
		PQclear(r);
	}
	return 0;
}

/* A sync when a request waits for one and none is on the wire. */
static int send_sync(PGconn *c)
{
	int go;

	pthread_mutex_lock(&mu);
	go = !in_flight && wanted > sent;
	pthread_mutex_unlock(&mu);
	if (!go)
		return 0;
	if (!PQsendQuery(c, ""))
		return -1;
	pthread_mutex_lock(&mu);
	sent++;
	in_flight = 1;
	pthread_mutex_unlock(&mu);
	return 0;
}

static void drain_wake_pipe(void)
{
	char b[64];

	while (read(wake_pipe[0], b, sizeof(b)) > 0)
		;
}

/* Serve one connection until it fails or the process stops. */
static void listen_on(PGconn *c)
{
	double sync_since = 0;

	/* what was kept before may have changed unheard */
	page_cache_heard(0);
	set_listening(1);
	log_info("event=page_listen_on");
	for (;;) {
		struct pollfd fds[2] = { { PQsocket(c), POLLIN, 0 }, { wake_pipe[0], POLLIN, 0 } };
		int was_in_flight;

		if (__atomic_load_n(&stopping, __ATOMIC_ACQUIRE))
			break;
		pthread_mutex_lock(&mu);
		was_in_flight = in_flight;
		pthread_mutex_unlock(&mu);
		if (send_sync(c) < 0)
			break;
		if (!was_in_flight)
			sync_since = now_mono();
		if (poll(fds, 2, 500) < 0 && errno != EINTR)
			break;
		if (fds[1].revents)
			drain_wake_pipe();
		if (fds[0].revents && take_input(c) < 0)
			break;
		pthread_mutex_lock(&mu);
		was_in_flight = in_flight;
		pthread_mutex_unlock(&mu);
		if (was_in_flight && (now_mono() - sync_since) * 1000.0 > SYNC_DEAD_MS) {
			log_warn("event=page_listen_silent ms=%d", SYNC_DEAD_MS);
			break;
		}
	}
	set_listening(0);
	page_cache_heard(0);
	if (!__atomic_load_n(&stopping, __ATOMIC_ACQUIRE))
		log_warn("event=page_listen_lost err=%s", log_quote(PQerrorMessage(c)));
}

static void *listener(void *arg)
{
	long retry = RETRY_MIN_MS;

	(void)arg;
	while (!__atomic_load_n(&stopping, __ATOMIC_ACQUIRE)) {
		PGconn *c = connect_and_listen();
		if (c) {
			listen_on(c);
			PQfinish(c);
			retry = RETRY_MIN_MS;
			continue;
		}
		/* wait, or wake to stop */
		struct pollfd fd = { wake_pipe[0], POLLIN, 0 };
		if (poll(&fd, 1, (int)retry) > 0)
			drain_wake_pipe();
		retry = retry * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : retry * 2;
	}
	return NULL;
}

int page_listen_start(void)
{
	pthread_condattr_t attr;

	if (!app.cfg.page_cache_listen || app.cfg.page_cache_entries <= 0)
		return 0;
	if (pipe2(wake_pipe, O_NONBLOCK | O_CLOEXEC) < 0)
		return -1;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&synced, &attr);
	pthread_condattr_destroy(&attr);
	if (pthread_create(&thread, NULL, listener, NULL) != 0) {
		close(wake_pipe[0]);
		close(wake_pipe[1]);
		return -1;
	}
	started = 1;
	return 0;
}

void page_listen_stop(void)
{
	if (!started)
		return;
	__atomic_store_n(&stopping, 1, __ATOMIC_RELEASE);
	wake_listener();
	pthread_join(thread, NULL);
	started = 0;
	close(wake_pipe[0]);
	close(wake_pipe[1]);
	pthread_cond_destroy(&synced);
}
