package server

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/provcheck/provcheck/engine"
)

// Uploads are written to temporary files (mode 0600, random names),
// bounded by the upload limit, and removed when the request ends. The
// client's file name is only ever shown back (cleaned), never used as a
// path.

// upload is what a request carried: media files and form fields.
type upload struct {
	files  []uploadedFile
	fields map[string][]string
	total  int64 // bytes of media received
}

type uploadedFile struct {
	path  string // in dir; never shown
	name  string // the client's file name, cleaned, for people
	media engine.MediaType
}

func (u *upload) cleanup() {
	if u == nil {
		return
	}
	for _, f := range u.files {
		os.Remove(f.path)
	}
}

// byName is the uploaded file shown to people as name.
func (u *upload) byName(name string) uploadedFile {
	for _, f := range u.files {
		if f.name == name {
			return f
		}
	}
	return uploadedFile{name: name}
}

// redact replaces the temporary paths in a message with the files' names.
func (u *upload) redact(msg string) string {
	if u == nil {
		return msg
	}
	for _, f := range u.files {
		msg = strings.ReplaceAll(msg, f.path, f.name)
		msg = strings.ReplaceAll(msg, filepath.Base(f.path), f.name)
	}
	return msg
}

// uploadSpec says what a route accepts.
type uploadSpec struct {
	maxFiles int      // media parts allowed
	fields   []string // form fields allowed besides "file"
}

const (
	ioBuffer      = 64 << 10 // reading uploads and writing them to disk
	maxFieldBytes = 64 << 10 // one form field
	formOverhead  = 1 << 20  // multipart headers and fields beyond the media
)

// receiveWhole reads the whole upload under one of the client's upload
// places, before any fingerprinting place is taken.
func (s *Server) receiveWhole(w http.ResponseWriter, r *http.Request, spec uploadSpec) (*upload, error) {
	release, ok := s.uploads.acquire(r)
	if !ok {
		return nil, s.refuseUpload(w)
	}
	defer release()
	return s.receive(w, r, spec)
}

// receive reads a multipart/form-data body (media in parts named "file",
// plus spec.fields) or a raw body (one medium). Each medium is sniffed on
// its first bytes: anything but a decodable image or a video is refused
// with 415 before the rest is read.
func (s *Server) receive(w http.ResponseWriter, r *http.Request, spec uploadSpec) (*upload, error) {
	limit := s.cfg.MaxUpload
	mediaType, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	multi := mediaType == "multipart/form-data"
	if multi {
		limit += formOverhead
	}
	if r.ContentLength > limit {
		return nil, s.tooLarge()
	}
	s.paceBody(w, r)
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	var err error
	u := &upload{fields: map[string][]string{}}
	if multi {
		err = s.receiveMultipart(r, params["boundary"], spec, u)
	} else {
		err = s.receiveFile(r.Body, "", u)
	}
	if err == nil && len(u.files) == 0 && spec.maxFiles > 0 && !multi {
		err = errBadRequest("empty_upload", "the request has no body: send an image or video")
	}
	if err != nil {
		u.cleanup()
		return nil, s.uploadError(err)
	}
	return u, nil
}

func (s *Server) receiveMultipart(r *http.Request, boundary string, spec uploadSpec, u *upload) error {
	if boundary == "" {
		return errBadRequest("bad_form", "multipart/form-data without a boundary")
	}
	// A large buffer here is shared by the multipart reader (it reuses a
	// big enough bufio.Reader): the body is read in large chunks.
	mr := multipart.NewReader(bufio.NewReaderSize(r.Body, ioBuffer), boundary)
	fieldBytes := 0
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return badForm(err)
		}
		name := p.FormName()
		switch {
		case name == "file":
			if len(u.files) >= spec.maxFiles {
				p.Close()
				if spec.maxFiles == 1 {
					return errBadRequest("too_many_files", "send one file per check")
				}
				return errBadRequest("too_many_files", fmt.Sprintf("at most %d files per request", spec.maxFiles))
			}
			if err := s.receiveFile(p, p.FileName(), u); err != nil {
				p.Close()
				return err
			}
		case slices.Contains(spec.fields, name):
			b, err := io.ReadAll(io.LimitReader(p, maxFieldBytes+1))
			if err != nil {
				return badForm(err)
			}
			fieldBytes += len(b)
			if len(b) > maxFieldBytes || fieldBytes > formOverhead/2 {
				return errBadRequest("bad_form", fmt.Sprintf("form field %q is too long", name))
			}
			if !utf8.Valid(b) {
				return errBadRequest("bad_form", fmt.Sprintf("form field %q is not UTF-8 text", name))
			}
			u.fields[name] = append(u.fields[name], string(b))
		default:
			p.Close()
			return errBadRequest("bad_form", fmt.Sprintf("unknown form field %q (expected %s)", cleanName(name, "?"), expected(spec)))
		}
		p.Close()
	}
}

func expected(spec uploadSpec) string {
	return strings.Join(append([]string{"file"}, spec.fields...), ", ")
}

func badForm(err error) error {
	var mbe *http.MaxBytesError
	var be *bodyError
	if errors.As(err, &mbe) || errors.As(err, &be) || errors.Is(err, errSlowUpload) {
		return err
	}
	return errBadRequest("bad_form", "the multipart/form-data body is malformed")
}

// receiveFile sniffs and stores one medium.
func (s *Server) receiveFile(r io.Reader, clientName string, u *upload) error {
	head := make([]byte, engine.SniffLen)
	n, err := io.ReadFull(r, head)
	head = head[:n]
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return err
	}
	name := cleanName(clientName, "upload")
	if n == 0 {
		return errBadRequest("empty_upload", fmt.Sprintf("%s is empty: send an image or video", name))
	}
	m, serr := engine.SniffHead(head)
	if serr != nil {
		return &apiError{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media",
			Msg: fmt.Sprintf("%s: %v", name, serr)}
	}
	f, err := os.CreateTemp("", "provcheck-upload-")
	if err != nil {
		return err
	}
	u.files = append(u.files, uploadedFile{path: f.Name(), name: name, media: m})
	budget := s.cfg.MaxUpload - u.total
	bw := bufio.NewWriterSize(f, ioBuffer)
	written, err := io.Copy(bw, io.LimitReader(io.MultiReader(bytes.NewReader(head), r), budget+1))
	u.total += written
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if written > budget {
		return s.tooLarge()
	}
	return nil
}

func (s *Server) tooLarge() error {
	return &apiError{Status: http.StatusRequestEntityTooLarge, Code: "too_large",
		Msg: fmt.Sprintf("the upload is larger than this server's limit of %s", humanBytes(s.cfg.MaxUpload))}
}

// uploadError turns reading failures into answers: the body limit into 413,
// a client too slow into 408, a client that stopped sending or sent a
// malformed body into 400.
func (s *Server) uploadError(err error) error {
	var ae *apiError
	var mbe *http.MaxBytesError
	var be *bodyError
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &mbe):
		return s.tooLarge()
	case errors.Is(err, errSlowUpload):
		return s.slowUploadError()
	case errors.Is(err, os.ErrDeadlineExceeded):
		return s.slowUploadError()
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, os.ErrDeadlineExceeded), isNetError(err):
		return errBadRequest("incomplete_upload", "the upload ended early")
	case errors.As(err, &be):
		// A body the HTTP layer could not decode (e.g. broken chunked
		// encoding): the client's fault, whatever the exact error.
		return errBadRequest("malformed_body", "the request body is malformed (e.g. broken chunked transfer encoding)")
	}
	return err
}

// cleanName makes a client's file name safe to show: its last path
// element, printable, at most 120 bytes; def when nothing is left.
func cleanName(name, def string) string {
	name = strings.ReplaceAll(name, `\`, "/")
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	for len(name) > 120 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	if name == "" || name == "." || name == ".." {
		return def
	}
	return name
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

func isNetError(err error) bool {
	var ne net.Error
	return errors.As(err, &ne)
}
