package engine

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/provcheck/provcheck/internal/media"
)

// CheckReader checks a file read from r (standard input, `check -`),
// reported under name. The content is spooled to a private temporary file
// (mode 0600, removed afterwards), at most limits.max_file_size bytes:
// more is refused before anything is decoded. Reading stops when ctx is
// done.
func (e *Engine) CheckReader(ctx context.Context, name string, r io.Reader) (Report, error) {
	start := time.Now()
	path, err := e.spool(ctx, r)
	if err != nil {
		return Report{File: name, Error: err.Error(), ElapsedMS: time.Since(start).Milliseconds()}, nil
	}
	defer os.Remove(path)
	rep, err := e.Check(ctx, path)
	rep.File = name
	rep.Error = strings.ReplaceAll(rep.Error, path, name)
	rep.ElapsedMS = time.Since(start).Milliseconds()
	return rep, err
}

// spool copies r to a temporary file, bounded by the file size limit.
func (e *Engine) spool(ctx context.Context, r io.Reader) (string, error) {
	limit := e.cfg.Limits.MaxFileSize
	if limit <= 0 {
		limit = media.DefaultMaxFileBytes
	}
	f, err := os.CreateTemp("", "provcheck-stdin-*")
	if err != nil {
		return "", fmt.Errorf("cannot spool standard input: %w", err)
	}
	n, err := io.Copy(f, io.LimitReader(ctxReader{ctx, r}, limit+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	switch {
	case err != nil:
		os.Remove(f.Name())
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", fmt.Errorf("reading standard input: %w", err)
	case n > limit:
		os.Remove(f.Name())
		return "", fmt.Errorf("%w: standard input is over the %d-byte limit (limits.max_file_size)", media.ErrTooLarge, limit)
	case n == 0:
		os.Remove(f.Name())
		return "", media.ErrEmpty
	}
	return f.Name(), nil
}

// ctxReader stops reading once ctx is done (checked between reads).
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
