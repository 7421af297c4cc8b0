/* stop.c — the stop signal of langflix-worker: SIGTERM/SIGINT set a flag
 * that the claim loop (main.c) and a transfer in flight (upload.c) read.
 * A file of its own so that neither of them calls back into the other. */
#include "worker.h"

#include "util.h"

#include <signal.h>
#include <string.h>

static volatile sig_atomic_t stopping;
static double stop_at;              /* now_mono() when the stop was noticed */

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

void worker_catch_stop(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

int worker_stopping(void)
{
	return stopping != 0;
}

double worker_stopping_for(void)
{
	if (!stopping)
		return 0;
	/* the handler only sets the flag; the first reader stamps the time */
	if (stop_at == 0)
		stop_at = now_mono();
	return now_mono() - stop_at;
}
