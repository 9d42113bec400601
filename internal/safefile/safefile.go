// Package safefile opens input files without ever blocking on what is not a
// regular file: a named pipe without a writer, a terminal, a device such as
// /dev/zero or /dev/tty, a socket. Every command that reads a user's file
// goes through Open, so none of them can hang before its time limit starts.
package safefile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// ErrNotRegular is wrapped by the error for anything but a regular file.
var ErrNotRegular = errors.New("not a regular file")

// Kind names a file type for people: "named pipe", "device", "directory"…
func Kind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeCharDevice != 0:
		return "character device"
	case m&fs.ModeDevice != 0:
		return "device"
	case m.IsDir():
		return "directory"
	case m&fs.ModeSymlink != 0:
		return "symbolic link"
	case m&fs.ModeIrregular != 0:
		return "irregular file"
	}
	return m.Type().String()
}

func notRegular(m fs.FileMode) error {
	return fmt.Errorf("%w (%s)", ErrNotRegular, Kind(m))
}

// Open opens path for reading when it is a regular file (symbolic links are
// followed) and returns it with its information, taken from the opened
// descriptor. Anything else is refused before it is read, without blocking:
// the file is opened non-blocking, checked on the descriptor (so a file
// swapped for a pipe between the check and the open is caught too), and
// only then put back in blocking mode. Errors are *os.PathError as
// os.Open's, or wrap ErrNotRegular.
func Open(path string) (*os.File, os.FileInfo, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, nil, notRegular(fi.Mode())
	}
	f, err := openNonblock(path)
	if err != nil {
		return nil, nil, err
	}
	fi, err = f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, nil, notRegular(fi.Mode())
	}
	return f, fi, nil
}

// copyChunk is how much Copy reads between looks at the context.
const copyChunk = 1 << 20

// Copy is io.Copy that stops, with ctx's error, when ctx ends: a large
// file is read in chunks and the context is checked between them.
func Copy(ctx context.Context, dst io.Writer, src io.Reader) (int64, error) {
	buf := make([]byte, 256<<10)
	var total int64
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		n, err := io.CopyBuffer(dst, io.LimitReader(src, copyChunk), buf)
		total += n
		if err != nil {
			return total, err
		}
		if n < copyChunk {
			return total, nil
		}
	}
}

// Reason says what is wrong with a path without repeating it: "no such
// file", "permission denied", or the underlying error of a *os.PathError;
// other errors as they are.
func Reason(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		switch {
		case errors.Is(err, os.ErrNotExist):
			return errors.New("no such file")
		case errors.Is(err, os.ErrPermission):
			return errors.New("permission denied")
		}
		return pe.Err
	}
	return err
}
