package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"net/http"
	"time"

	"github.com/provcheck/provcheck/engine"
)

// handleCheck is POST /v1/check: one medium, as the multipart field "file"
// or as the raw body. It answers the JSON of `provcheck check --format
// json` with "reply" added.
func (s *Server) handleCheck(w http.ResponseWriter, r *http.Request) {
	format, ok := ParseReplyFormat(r.URL.Query().Get("reply_format"))
	if !ok {
		s.fail(w, r, errBadRequest("bad_reply_format", "reply_format must be text or markdown"))
		return
	}
	c := s.checkUpload(w, r, nil)
	switch {
	case c.err != nil:
		s.fail(w, r, c.err)
		return
	case c.fileErr != nil:
		s.failWith(w, r, c.fileErr, errorBody{File: c.rep.File, Reply: Reply(c.rep, format)})
		return
	}
	b, err := checkJSON(c.rep, Reply(c.rep, format))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeRawJSON(w, http.StatusOK, b)
}

// checked is the outcome of checking an upload.
type checked struct {
	rep     engine.Report
	err     error     // the request failed (an *apiError, or internal)
	fileErr *apiError // the file could not be checked: rep has File and Error
}

// checkUpload receives one medium and checks it: the one path of every
// check over HTTP (the API and the page). onFrame, when set, sees every
// sampled picture of the file (for the page's thumbnails).
func (s *Server) checkUpload(w http.ResponseWriter, r *http.Request, onFrame func(image.Image, float64)) checked {
	ctx := r.Context()
	up, err := s.receiveWhole(w, r, uploadSpec{maxFiles: 1})
	if err != nil {
		return checked{err: err}
	}
	defer up.cleanup()
	release, ok := s.queue.admit()
	if !ok {
		return checked{err: s.busy()}
	}
	defer release()
	if len(up.files) == 0 {
		return checked{err: errBadRequest("no_file", `send the image or video in the form field "file", or as the request body`)}
	}
	f := up.files[0]
	var (
		rep    engine.Report
		fpErr  error
		regErr error
	)
	err = s.queue.do(ctx, func() { rep, fpErr, regErr = s.check(ctx, f, onFrame) })
	switch {
	case err != nil:
		return checked{err: s.waitError(ctx)}
	case regErr != nil:
		return checked{err: regErr}
	}
	rep.File = f.name
	if fpErr != nil {
		ae := s.fileProblem(ctx, fpErr, up, f)
		s.metrics.check("", "", ae.Code, 0)
		rep.Error = ae.Msg
		return checked{rep: rep, fileErr: ae}
	}
	infoFrom(ctx).verdict = string(rep.Verdict)
	s.metrics.check(string(rep.Kind), rep.Verdict, "", time.Duration(rep.ElapsedMS)*time.Millisecond)
	return checked{rep: rep}
}

// check checks the file with the engine, which takes its fingerprint from
// its cache when the same content was checked before and matches it against
// the current registry snapshot. With onFrame the file is always decoded, so
// that onFrame sees its pictures.
func (s *Server) check(ctx context.Context, f uploadedFile, onFrame func(image.Image, float64)) (rep engine.Report, fileErr, regErr error) {
	c, err := s.e.CheckFile(ctx, f.path, engine.CheckOptions{OnFrame: onFrame})
	switch {
	case err != nil:
		return engine.Report{}, nil, err
	case c.Err != nil:
		return engine.Report{}, c.Err, nil
	}
	return c.Report, nil, nil
}

// checkJSON is the report's JSON with "reply" added as the last key.
func checkJSON(rep engine.Report, reply string) ([]byte, error) {
	b, err := json.Marshal(rep)
	if err != nil {
		return nil, err
	}
	rb, err := json.Marshal(reply)
	if err != nil {
		return nil, err
	}
	b = bytes.TrimSpace(b)
	if len(b) < 2 || b[len(b)-1] != '}' {
		return nil, fmt.Errorf("report JSON is not an object: %.40q", b)
	}
	out := append(b[:len(b)-1:len(b)-1], `,"reply":`...)
	out = append(out, rb...)
	return append(out, '}'), nil
}

// busy is the 503 of a full queue.
func (s *Server) busy() *apiError {
	return &apiError{Status: http.StatusServiceUnavailable, Code: "busy", RetryAfter: s.queue.retryAfter(),
		Msg: "the server is busy checking other files; retry after the time in Retry-After"}
}

// waitError is the answer for a request whose deadline passed while it
// waited for a worker.
func (s *Server) waitError(ctx context.Context) error {
	if errors.Is(context.Cause(ctx), context.Canceled) {
		return &apiError{Status: http.StatusServiceUnavailable, Code: "canceled", Msg: "the request was canceled"}
	}
	return s.busy()
}

// fileProblem turns a fingerprinting error into an answer: a stable code
// and a plain message chosen by the service. What the decoders said
// (ffmpeg's and ffprobe's text included) goes to the log with the request
// id, never to the client.
func (s *Server) fileProblem(ctx context.Context, err error, up *upload, f uploadedFile) *apiError {
	ae := s.classifyFileError(ctx, err, f)
	s.log.LogAttrs(ctx, slog.LevelInfo, "file not checked", slog.String("request_id", infoFrom(ctx).id),
		slog.String("file", f.name), slog.String("code", ae.Code), slog.String("detail", up.redact(err.Error())))
	return ae
}

func (s *Server) classifyFileError(ctx context.Context, err error, f uploadedFile) *apiError {
	what := "file"
	switch f.media.Kind {
	case engine.KindImage:
		what = "image"
	case engine.KindVideo:
		what = "video"
	}
	switch {
	case ctx.Err() != nil || errors.Is(err, engine.ErrTimeout):
		return &apiError{Status: http.StatusGatewayTimeout, Code: "deadline_exceeded",
			Msg: fmt.Sprintf("checking the file took longer than this server allows (%s)", s.cfg.RequestTimeout)}
	case errors.Is(err, engine.ErrVideoUnavailable):
		return &apiError{Status: http.StatusServiceUnavailable, Code: "video_unavailable",
			Msg: "this server cannot decode videos (ffmpeg is not installed); images still work"}
	case errors.Is(err, engine.ErrInternal):
		return &apiError{Status: http.StatusInternalServerError, Code: "internal",
			Msg: "internal error; quote the request id when reporting it"}
	case errors.Is(err, engine.ErrNotMedia):
		return &apiError{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media",
			Msg: "the file is not an image or a video"}
	case errors.Is(err, engine.ErrNoVideo):
		return &apiError{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media",
			Msg: "the file has no video in it"}
	case errors.Is(err, engine.ErrUnsupported):
		return &apiError{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media",
			Msg: fmt.Sprintf("the %s uses a format or feature this server cannot decode", what)}
	case errors.Is(err, engine.ErrTooLarge):
		return &apiError{Status: http.StatusRequestEntityTooLarge, Code: "too_large",
			Msg: fmt.Sprintf("the %s is too large to check (its pictures have too many pixels)", what)}
	case errors.Is(err, engine.ErrEmpty):
		return errBadRequest("empty_upload", "the file is empty")
	}
	return &apiError{Status: http.StatusUnprocessableEntity, Code: "unreadable_media",
		Msg: fmt.Sprintf("the %s file is damaged or incomplete", what)}
}
