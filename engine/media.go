package engine

import (
	"fmt"
	"slices"
	"strings"

	"github.com/provcheck/provcheck/internal/media"
)

// Kind says whether a file is a still image or a video.
type Kind = media.Kind

// The two kinds of media.
const (
	KindImage = media.KindImage
	KindVideo = media.KindVideo
)

// MediaType is what the first bytes of a file say it is.
type MediaType = media.Media

// SniffLen is how many leading bytes SniffHead needs.
const SniffLen = media.SniffLen

// SupportedImageFormats are the image formats provcheck decodes.
var SupportedImageFormats = media.SupportedImageFormats

// SniffHead tells an image or video from its first bytes, for front ends
// that refuse what cannot be checked before receiving all of it. The error
// (ErrNotMedia) says what the bytes look like instead; an image format
// provcheck recognises but cannot decode is ErrUnsupported.
func SniffHead(head []byte) (MediaType, error) {
	m, err := media.SniffHead(head)
	if err != nil {
		return m, err
	}
	if m.Kind == media.KindImage && !slices.Contains(media.SupportedImageFormats, m.Format) {
		return m, &wrapped{msg: fmt.Sprintf("%s images are not supported (send %s, or a video)", m.Format,
			strings.Join(media.SupportedImageFormats, ", ")), err: media.ErrUnsupported}
	}
	return m, nil
}

// wrapped is an error with its own message that is also err for errors.Is.
type wrapped struct {
	msg string
	err error
}

func (w *wrapped) Error() string { return w.msg }
func (w *wrapped) Unwrap() error { return w.err }
