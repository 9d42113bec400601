package ffmpeg

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/provcheck/provcheck/internal/safefile"
)

// Error is a failed ffmpeg or ffprobe run (or a refused input).
type Error struct {
	Tool   string // "ffmpeg" or "ffprobe"
	Path   string // the input as the caller named it
	Err    error  // the cause: *exec.ExitError, ErrTimeout, context.Canceled, ErrNoFrames, …
	Stderr string // the last lines the program wrote to stderr, folded onto one line
}

func (e *Error) Error() string {
	s := e.Tool + ": " + e.Path + ": " + e.Err.Error()
	if e.Stderr != "" {
		s += ": " + e.Stderr
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

const (
	stderrKeep  = 4 << 10 // bytes of stderr kept per run
	stderrLines = 4       // lines of it folded into an error message
	waitDelay   = 2 * time.Second
)

// testHookStarted, when set by tests, sees every started process.
var testHookStarted func(*exec.Cmd)

// errDeadline is the cause recorded when Config.Timeout expires.
var errDeadline = errors.New("provcheck ffmpeg deadline")

// withTimeout bounds one public call by the configured timeout.
func (f *FFmpeg) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(ctx, f.timeout, errDeadline)
}

// command prepares a run of bin that cannot outlive ctx: the program gets
// its own process group, and the whole group is killed when ctx ends.
func command(ctx context.Context, bin string, args []string, stderr *tailBuffer) *exec.Cmd {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdin = nil // /dev/null
	cmd.Stderr = stderr
	cmd.Env = environ()
	setProcessGroup(cmd)
	cmd.Cancel = func() error { return killProcessGroup(cmd) }
	cmd.WaitDelay = waitDelay
	return cmd
}

// environ is this process's environment without the variables that change
// what ffmpeg logs or where (FFREPORT writes a log file), and without colour.
func environ() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if name == "FFREPORT" || strings.HasPrefix(name, "AV_LOG_FORCE_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "AV_LOG_FORCE_NOCOLOR=1")
}

// runError turns the outcome of a run into an *Error, giving the deadline
// and cancellation precedence over the exit status they caused.
func (f *FFmpeg) runError(ctx context.Context, tool, path string, err error, stderr *tailBuffer) error {
	if ctx.Err() != nil {
		cause := context.Cause(ctx)
		if errors.Is(cause, errDeadline) {
			cause = fmt.Errorf("%w after %s", ErrTimeout, f.timeout)
		}
		return &Error{Tool: tool, Path: path, Err: cause, Stderr: stderr.Fold()}
	}
	if err == nil {
		return nil
	}
	return exitError(tool, path, err, stderr)
}

// exitError describes a failed run, recognising the decoder's refusal of
// frames larger than -max_pixels.
func exitError(tool, path string, err error, stderr *tailBuffer) error {
	folded := stderr.Fold()
	if strings.Contains(folded, "exceeds specified max pixel count") {
		err = fmt.Errorf("video frame %w: %w", ErrTooLarge, err)
	}
	return &Error{Tool: tool, Path: path, Err: err, Stderr: folded}
}

// tailBuffer keeps the last stderrKeep bytes written to it.
type tailBuffer struct {
	mu        sync.Mutex
	buf       []byte
	truncated bool
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := len(p)
	if len(p) >= stderrKeep {
		p = p[len(p)-stderrKeep:]
		t.buf = t.buf[:0]
		t.truncated = true
	} else if over := len(t.buf) + len(p) - stderrKeep; over > 0 {
		t.buf = t.buf[:copy(t.buf, t.buf[over:])]
		t.truncated = true
	}
	t.buf = append(t.buf, p...)
	return n, nil
}

// logPrefix matches the context ffmpeg puts before messages,
// "[h264 @ 0x55d0c0a1b2c0] ", reduced to "[h264] ".
var logPrefix = regexp.MustCompile(`\[([A-Za-z0-9_:,.-]+) @ 0x[0-9a-fA-F]+\]`)

// longWhitelist matches a long format list quoted in an error message.
var longWhitelist = regexp.MustCompile(`(whitelist) '[^']{40,}'`)

// Fold returns the last few stderr lines joined by "; ".
func (t *tailBuffer) Fold() string {
	t.mu.Lock()
	data := bytes.Clone(t.buf)
	truncated := t.truncated
	t.mu.Unlock()
	if truncated {
		// The first line was cut; drop it.
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			data = data[i+1:]
		}
	}
	var lines []string
	for _, l := range strings.FieldsFunc(string(data), func(r rune) bool { return r == '\n' || r == '\r' }) {
		l = logPrefix.ReplaceAllString(l, "[$1]")
		l = strings.TrimSpace(longWhitelist.ReplaceAllString(l, "$1"))
		l = strings.ToValidUTF8(l, "?")
		if l == "" || (len(lines) > 0 && lines[len(lines)-1] == l) {
			continue
		}
		lines = append(lines, l)
	}
	if len(lines) > stderrLines {
		lines = lines[len(lines)-stderrLines:]
	}
	return strings.Join(lines, "; ")
}

// capBuffer collects up to limit bytes and notes whether more came.
type capBuffer struct {
	limit    int
	buf      bytes.Buffer
	overflow bool
}

func (c *capBuffer) Write(p []byte) (int, error) {
	if room := c.limit - c.buf.Len(); len(p) > room {
		c.overflow = true
		c.buf.Write(p[:max(room, 0)])
		return len(p), nil
	}
	c.buf.Write(p)
	return len(p), nil
}

// inputURL checks that path is a non-empty regular file and returns the
// ffmpeg input for it: "file:" and the absolute path, which neither ffmpeg's
// option parser nor its URL handling can read as anything but a local file.
func inputURL(path string) (string, error) {
	if path == "" {
		return "", errors.New("empty path")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	fi, err := os.Stat(abs)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return "", pe.Err // the caller's error names the path already
		}
		return "", err
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("%w (%s)", ErrNotRegular, safefile.Kind(fi.Mode()))
	}
	if fi.Size() == 0 {
		return "", ErrEmpty
	}
	return "file:" + abs, nil
}
