# emulator-conf.sh — the TikTok emulator's keys for VAR/emulator.conf.
# Sourced by scripts/stack.sh (write_emulator_config), which has already
# written `listen`. Keys: emulator/README.md. The emulator is for
# development and tests only; it is not TikTok.
emulator_conf_lines()
{
	echo "client_key = $TT_CLIENT_KEY"
	echo "client_secret = $TT_CLIENT_SECRET"
	echo "redirect_uris = http://127.0.0.1:$PORT/auth/tiktok/callback"
	echo "public_base_url = http://127.0.0.1:$EMU_PORT"
	# webhooks go to the app, signed with the shared client secret
	echo "webhook_url = http://127.0.0.1:$PORT/webhooks/tiktok"
	echo "processing_delay_ms = ${LF_EMU_PROCESSING_MS:-3000}"
	# PULL_FROM_URL: the site is the app's verified URL property (plain http
	# is accepted only because it is loopback)
	echo "verified_url_prefixes = http://127.0.0.1:$PORT/"
	echo "log_level = ${LF_LOG_LEVEL:-info}"
}
