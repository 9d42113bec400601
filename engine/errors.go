package engine

import (
	"errors"
	"fmt"
	"time"

	"github.com/provcheck/provcheck/internal/media"
	"github.com/provcheck/provcheck/internal/media/ffmpeg"
)

// What can be wrong with a file, for errors.Is on the errors the engine
// returns (Checked.Err, Register, Fingerprint). Front ends turn them into
// HTTP statuses and exit codes; none of them needs to read error text.
var (
	ErrEmpty       = media.ErrEmpty       // the file has no bytes
	ErrTooLarge    = media.ErrTooLarge    // over a size or pixel limit
	ErrCorrupt     = media.ErrCorrupt     // truncated or corrupt data
	ErrUnsupported = media.ErrUnsupported // a format provcheck cannot decode
	ErrNotMedia    = media.ErrNotMedia    // neither an image nor a video
	ErrNotRegular  = media.ErrNotRegular  // a directory, device, named pipe or socket
	ErrNoVideo     = ffmpeg.ErrNoVideo    // a container without a video stream
	ErrTimeout     = media.ErrTimeout     // the per-file time limit passed
	// ErrVideoUnavailable: videos cannot be decoded here (ffmpeg is not
	// installed); images still work.
	ErrVideoUnavailable = ffmpeg.ErrNotInstalled
	// ErrInternal: a bug in provcheck (a decoder panicked) while checking
	// the file; the message says no more.
	ErrInternal = errors.New("internal error")
)

// timeoutError is the error of a file whose time limit d passed.
func timeoutError(d time.Duration) error { return fmt.Errorf("%w after %s", ErrTimeout, d) }
