package server

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/provcheck/provcheck/engine"
	"github.com/provcheck/provcheck/registry"
)

// The registry over HTTP. Every write goes through the engine's store in
// one transaction and bumps the registry's generation, so the next check —
// in this process or any other using the same registry file — sees it.

// entryFields are the form fields of POST /v1/entries (multipart), named
// as the flags of `provcheck registry add`.
var entryFields = []string{"id", "title", "claim", "rating", "category", "first_seen", "tag", "note",
	"fact_check", "publisher", "fact_check_title", "published", "language"}

// maxEntryFiles bounds the media of one registration request.
const maxEntryFiles = 16

// listBody is the answer of GET /v1/entries.
type listBody struct {
	Entries []registry.Summary `json:"entries"`
}

func (s *Server) handleListEntries(w http.ResponseWriter, r *http.Request) {
	list, err := s.e.Store().List(r.Context())
	if err != nil {
		s.fail(w, r, registryError(err, ""))
		return
	}
	if list == nil {
		list = []registry.Summary{}
	}
	writeJSON(w, http.StatusOK, listBody{Entries: list})
}

func (s *Server) handleGetEntry(w http.ResponseWriter, r *http.Request) {
	frames, err := boolParam(r, "frames")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.e.Store().Get(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, registryError(err, r.PathValue("id")))
		return
	}
	writeJSON(w, http.StatusOK, entryView(c, frames))
}

func (s *Server) handleDeleteEntry(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := s.e.Store().Remove(r.Context(), id); err != nil {
		s.fail(w, r, registryError(err, id))
		return
	}
	s.refreshNow(r.Context())
	s.log.Info("entry removed", "request_id", infoFrom(r.Context()).id, "entry_id", id)
	w.WriteHeader(http.StatusNoContent)
}

// importBody is the answer to a bundle import.
type importBody struct {
	Imported int      `json:"imported"`
	Entries  []string `json:"entries"`
}

// handlePostEntries is POST /v1/entries: multipart media with the case's
// fields (create the case or append to it), or a registry bundle as JSON.
func (s *Server) handlePostEntries(w http.ResponseWriter, r *http.Request) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/json":
		s.importBundle(w, r)
	case "multipart/form-data":
		s.registerMedia(w, r)
	default:
		s.fail(w, r, &apiError{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media",
			Msg: "send multipart/form-data (media and case fields) or application/json (a registry bundle)"})
	}
}

func (s *Server) importBundle(w http.ResponseWriter, r *http.Request) {
	if r.ContentLength > s.cfg.MaxUpload {
		s.fail(w, r, s.tooLarge())
		return
	}
	release, ok := s.uploads.acquire(r)
	if !ok {
		s.fail(w, r, s.refuseUpload(w))
		return
	}
	s.paceBody(w, r)
	b, err := registry.ReadBundle(http.MaxBytesReader(w, r.Body, s.cfg.MaxUpload))
	release()
	if err != nil {
		var mbe *http.MaxBytesError
		var be *bodyError
		if errors.As(err, &mbe) || errors.As(err, &be) || errors.Is(err, errSlowUpload) {
			s.fail(w, r, s.uploadError(err))
			return
		}
		s.fail(w, r, &apiError{Status: http.StatusUnprocessableEntity, Code: "invalid_bundle", Msg: "nothing imported: " + err.Error()})
		return
	}
	if err := s.e.Store().Import(r.Context(), b.Cases); err != nil {
		s.fail(w, r, registryError(err, ""))
		return
	}
	ids := make([]string, len(b.Cases))
	for i, c := range b.Cases {
		ids[i] = c.ID
	}
	s.refreshNow(r.Context())
	s.log.Info("bundle imported", "request_id", infoFrom(r.Context()).id, "cases", len(ids))
	writeJSON(w, http.StatusOK, importBody{Imported: len(ids), Entries: ids})
}

// registerMedia fingerprints the uploaded media densely and stores them
// with the case's fields, as `provcheck registry add` does: all or nothing.
func (s *Server) registerMedia(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	up, err := s.receiveWhole(w, r, uploadSpec{maxFiles: maxEntryFiles, fields: entryFields})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer up.cleanup()
	release, ok := s.queue.admit()
	if !ok {
		s.fail(w, r, s.busy())
		return
	}
	defer release()
	saved, created, err := s.registerUpload(ctx, up)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	w.Header().Set("Location", "/v1/entries/"+url.PathEscape(saved.ID))
	writeJSON(w, status, entryView(saved, false))
}

// registerUpload registers received media under the case its fields
// describe: the one path of every registration over HTTP (the API and the
// pages). The caller holds a place in the queue.
func (s *Server) registerUpload(ctx context.Context, up *upload) (saved registry.Case, created bool, err error) {
	c, note, err := caseFromForm(up.fields)
	if err != nil {
		return saved, false, err
	}
	if c.ID == "" && c.Title == "" {
		return saved, false, errBadRequest("bad_form", "give the id of an existing case, or a title for a new one")
	}
	if c.ID == "" {
		c.ID = registry.Slug(c.Title)
	}
	_, err = s.e.Store().Get(ctx, c.ID)
	exists := err == nil
	switch {
	case err != nil && !errors.Is(err, registry.ErrNotFound):
		return saved, false, registryError(err, c.ID)
	case !exists && c.Title == "":
		return saved, false, &apiError{Status: http.StatusNotFound, Code: "not_found",
			Msg: fmt.Sprintf("case %q does not exist yet: give a title to create it", c.ID)}
	case !exists && len(up.files) == 0:
		return saved, false, errBadRequest("no_file", `a new case needs at least one image or video in the form field "file"`)
	}
	req := engine.AddRequest{Case: c, Note: note}
	for _, f := range up.files {
		req.Files = append(req.Files, f.path)
		req.Names = append(req.Names, f.name)
	}
	var regErr, fileErr error
	err = s.queue.do(ctx, func() {
		saved, regErr = s.e.Register(ctx, req)
		fes := engine.FileErrors(regErr)
		if len(fes) == 0 {
			return
		}
		regErr = nil
		var errs []string
		for _, fe := range fes {
			ae := s.fileProblem(ctx, fe.Err, up, up.byName(fe.File))
			if ae.Code == "deadline_exceeded" || ae.Code == "video_unavailable" {
				fileErr = ae
				return
			}
			errs = append(errs, fe.File+": "+ae.Msg)
		}
		fileErr = &apiError{Status: http.StatusUnprocessableEntity, Code: "unreadable_media",
			Msg: "nothing registered: " + strings.Join(errs, "; ")}
	})
	switch {
	case err != nil:
		return saved, false, s.waitError(ctx)
	case fileErr != nil:
		return saved, false, fileErr
	case regErr != nil:
		return saved, false, registryError(regErr, c.ID)
	}
	s.refreshNow(ctx)
	s.log.Info("entry saved", "request_id", infoFrom(ctx).id, "entry_id", saved.ID, "new", !exists,
		"media_added", len(req.Files), "media", len(saved.Media))
	return saved, !exists, nil
}

// caseFromForm reads the case's fields; a fact-check is added when any of
// its fields is given.
func caseFromForm(form map[string][]string) (registry.Case, string, error) {
	get := func(k string) string {
		if v := form[k]; len(v) > 0 {
			return strings.TrimSpace(v[len(v)-1])
		}
		return ""
	}
	c := registry.Case{ID: get("id"), Title: get("title"), Claim: get("claim"), Rating: get("rating"), FirstSeen: get("first_seen")}
	if c.ID != "" && !registry.ValidID(c.ID) {
		return c, "", errBadRequest("bad_form", fmt.Sprintf("id %q: use lower-case letters, digits, '.', '_' and '-' (at most 100)", c.ID))
	}
	cat, err := registry.ParseCategory(get("category"))
	if err != nil {
		return c, "", errBadRequest("bad_form", "category: "+err.Error())
	}
	c.Category = cat
	for _, t := range form["tag"] {
		for _, tag := range strings.Split(t, ",") {
			if tag = strings.TrimSpace(tag); tag != "" {
				c.Tags = append(c.Tags, tag)
			}
		}
	}
	fc := registry.FactCheck{URL: get("fact_check"), Publisher: get("publisher"), Title: get("fact_check_title"),
		Date: get("published"), Language: get("language")}
	if fc.URL != "" || fc.Publisher != "" || fc.Title != "" || fc.Date != "" || fc.Language != "" {
		if fc.Publisher == "" {
			return c, "", errBadRequest("bad_form", "a fact-check needs its publisher")
		}
		if fc.Rating == "" {
			fc.Rating = c.Rating
		}
		c.FactChecks = []registry.FactCheck{fc}
	}
	return c, get("note"), nil
}

// entryView is a case as answered: fingerprints only when asked for.
func entryView(c registry.Case, frames bool) registry.Case {
	if !frames {
		media := make([]registry.Media, len(c.Media))
		copy(media, c.Media)
		for i := range media {
			media[i].Fingerprint.Frames = nil
		}
		c.Media = media
	}
	if c.Media == nil {
		c.Media = []registry.Media{}
	}
	// Thumbnails are served one at a time (GET /thumbs/…), never in JSON.
	media := make([]registry.Media, len(c.Media))
	copy(media, c.Media)
	for i := range media {
		media[i].Thumbnails = nil
	}
	c.Media = media
	if c.FactChecks == nil {
		c.FactChecks = []registry.FactCheck{}
	}
	return c
}

// registryError turns store errors into answers: unknown ids into 404,
// invalid data into 422 with every problem listed.
func registryError(err error, id string) error {
	switch {
	case errors.Is(err, registry.ErrNotFound):
		return &apiError{Status: http.StatusNotFound, Code: "not_found", Msg: fmt.Sprintf("no case %q", shortID(id))}
	case registry.IsValidation(err):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "invalid_entry", Msg: "nothing saved: " + err.Error()}
	case errors.Is(err, registry.ErrUnavailable):
		return &apiError{Status: http.StatusServiceUnavailable, Code: "registry_unavailable", RetryAfter: 5,
			Msg: "the registry database cannot be reached; nothing was changed and checks still work; try again later"}
	}
	return err
}

// maxEchoedID is how much of a requested id an answer shows back: ids
// are at most 100 characters, so anything longer is not one.
const maxEchoedID = 100

// shortID cuts an id to be echoed in an answer.
func shortID(id string) string {
	if len(id) <= maxEchoedID {
		return id
	}
	cut := maxEchoedID
	for cut > 0 && !utf8.RuneStart(id[cut]) {
		cut--
	}
	return id[:cut] + "…"
}

func boolParam(r *http.Request, name string) (bool, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, errBadRequest("bad_parameter", fmt.Sprintf("%s must be true or false", name))
	}
	return b, nil
}
