# provcheck — the two commands a new user needs:
#   make demo   install ffmpeg if missing, build, check the bundled sample repost
#   make test   install ffmpeg if missing, check go.mod is tidy, vet and run every test
.PHONY: demo test build deps deps-postgres deps-systemd browser-deps bench eval clean

GO      ?= go
BIN     := bin/provcheck
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEMOREG := bin/demo-registry.db

build:
	$(GO) build -o $(BIN) ./cmd/provcheck

# ffmpeg and ffprobe decode videos; install them from Debian when missing.
deps:
	@command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || { \
		echo "installing ffmpeg (apt-get)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq ffmpeg >/dev/null; }
	@$(MAKE) --no-print-directory deps-postgres
	@$(MAKE) --no-print-directory deps-systemd

# The PostgreSQL registry's tests start a throwaway server (internal/pgtest);
# install PostgreSQL from Debian when its server binaries are missing.
deps-postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || [ -n "$$PROVCHECK_PG_BIN" ] || { \
		echo "installing postgresql (apt-get)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq postgresql >/dev/null; }

# Chromium runs the browser tests of the web pages (server/web); install it
# from Debian when missing.
browser-deps:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
		echo "installing chromium (apt-get)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

# deploy/'s test checks the systemd unit with systemd-analyze (Debian's
# systemd package; no running systemd is needed).
deps-systemd:
	@command -v systemd-analyze >/dev/null 2>&1 || { \
		echo "installing systemd (apt-get, for systemd-analyze)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq systemd >/dev/null; }

demo: deps build
	@rm -f $(DEMOREG) $(DEMOREG)-wal $(DEMOREG)-shm
	@$(BIN) --registry $(DEMOREG) --create registry import samples/bundle.json
	@echo
	@echo "== A repost of the debunked clip (cropped to 9:16 on a blurred copy, mirrored, captioned, re-encoded):"
	@$(BIN) --registry $(DEMOREG) check samples/media/nypd-ice-repost.mp4
	@echo
	@echo "== A screenshot of that repost, and an unrelated clip:"
	@$(BIN) --registry $(DEMOREG) check samples/media/screenshot.jpg samples/media/unrelated.mp4

test: deps browser-deps
	$(GO) mod tidy -diff
	$(GO) vet ./...
	$(GO) test -count=1 ./...

# The evaluation of issue 4: recall per repost transformation and false
# alarms on unrelated media (downloads Debian packages on the first run).
eval: deps
	$(GO) run ./eval

bench: deps
	$(GO) test -run '^$$' -bench . -benchtime 2s ./...

clean:
	rm -rf bin
