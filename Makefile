# provcheck — the two commands a new user needs:
#   make demo   install ffmpeg if missing, build, check the bundled sample repost
#   make test   install what the tests need (ffmpeg, PostgreSQL, Chromium,
#               systemd-analyze) if missing, check go.mod is tidy, vet and
#               run every test
.PHONY: demo test build deps deps-ffmpeg deps-postgres deps-systemd browser-deps bench eval clean

GO      ?= go
BIN     := bin/provcheck
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEMOREG := bin/demo-registry.db

build:
	$(GO) build -o $(BIN) ./cmd/provcheck

# Everything the tests need.
deps: deps-ffmpeg deps-postgres deps-systemd browser-deps

# ffmpeg and ffprobe decode videos; install them from Debian when missing.
deps-ffmpeg:
	@command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || { \
		echo "installing ffmpeg (apt-get)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq ffmpeg >/dev/null; }

# The PostgreSQL registry's tests start a throwaway server (internal/pgtest);
# install PostgreSQL from Debian when its server binaries are missing.
deps-postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || [ -n "$$PROVCHECK_PG_BIN" ] || { \
		echo "installing postgresql (apt-get)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq postgresql >/dev/null; }

# Chromium runs the browser tests of the web pages (server/web) and the
# evaluation's browser recipes (eval), Xvfb its screen recordings; install
# them from Debian when missing.
browser-deps:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
		echo "installing chromium (apt-get)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }
	@command -v Xvfb >/dev/null 2>&1 || { \
		echo "installing xvfb (apt-get, for the evaluation's screen recordings)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq xvfb >/dev/null; }

# deploy/'s test checks the systemd unit with systemd-analyze (Debian's
# systemd package; no running systemd is needed).
deps-systemd:
	@command -v systemd-analyze >/dev/null 2>&1 || { \
		echo "installing systemd (apt-get, for systemd-analyze)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq systemd >/dev/null; }

demo: deps-ffmpeg build
	@rm -f $(DEMOREG) $(DEMOREG)-wal $(DEMOREG)-shm
	@$(BIN) --registry $(DEMOREG) --create registry import samples/bundle.json
	@echo
	@echo "== A repost of the debunked clip (cropped to 9:16 on a blurred copy, mirrored, captioned, re-encoded):"
	@$(BIN) --registry $(DEMOREG) check samples/media/nypd-ice-repost.mp4
	@echo
	@echo "== A screenshot of that repost, and an unrelated clip:"
	@$(BIN) --registry $(DEMOREG) check samples/media/screenshot.jpg samples/media/unrelated.mp4

# Video and browser tests are slow on a 2-core machine: allow a package
# 30 minutes rather than go test's default 10.
# The packages with vector steps run again with the purego tag, so the Go
# loops other processors take are tested too.
VECTOR_PKGS = ./internal/signal/orb ./internal/signal/pdq ./internal/views ./internal/jpegdec ./internal/luma
test: deps
	$(GO) mod tidy -diff
	$(GO) vet ./...
	GOARCH=arm64 $(GO) vet $(VECTOR_PKGS)
	$(GO) test -count=1 -timeout 30m ./...
	$(GO) test -count=1 -tags purego $(VECTOR_PKGS)

# The evaluation of issue 4: recall per repost transformation and false
# alarms on unrelated media (downloads Debian packages on the first run).
eval: deps-ffmpeg
	$(GO) run ./eval

bench: deps
	$(GO) test -run '^$$' -bench . -benchtime 2s ./...

clean:
	rm -rf bin
