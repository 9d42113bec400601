package server

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Uploads are read whole, before they take a fingerprinting place, so a
// slow client holds a goroutine and a temporary file but never a worker or
// a queue place. Two things bound what slow clients can hold:
//
//   - pacing: once server.upload_grace has passed, a body must keep
//     arriving at server.min_upload_rate on average, or it is cut off
//     (408 slow_upload); the connection's read deadline is moved forward
//     as bytes arrive, so a stalled read is interrupted, not waited out.
//   - server.uploads_per_client: one client address sends at most that many
//     uploads at once; more are refused at once (429 too_many_uploads).

// uploadLimiter counts the uploads in progress per client address.
type uploadLimiter struct {
	max    int
	mu     sync.Mutex
	per    map[string]int
	active atomic.Int64
}

func newUploadLimiter(perClient int) *uploadLimiter {
	return &uploadLimiter{max: perClient, per: map[string]int{}}
}

// acquire takes one of the client's upload places; ok is false when it
// has none left.
func (l *uploadLimiter) acquire(r *http.Request) (release func(), ok bool) {
	addr := clientAddr(r)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.per[addr] >= l.max {
		return nil, false
	}
	l.per[addr]++
	l.active.Add(1)
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			if l.per[addr]--; l.per[addr] <= 0 {
				delete(l.per, addr)
			}
			l.active.Add(-1)
		})
	}, true
}

// clientAddr is the address a request came from, without the port. Proxy
// headers are not trusted: behind a proxy every client is the proxy.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// errSlowUpload marks a body that arrived slower than the minimum rate.
var errSlowUpload = errors.New("upload slower than the minimum rate")

// pacedBody enforces the minimum upload rate on a request body: before
// each read it sets the connection's read deadline to the moment the bytes
// received so far stop covering rate × (elapsed − grace). Close (or the
// end of the body) lifts the deadline again, so the connection's
// background read does not cancel the request while it is processed.
type pacedBody struct {
	body     io.ReadCloser
	rc       *http.ResponseController
	start    time.Time
	grace    time.Duration
	rate     float64 // bytes a second
	n        int64
	slow     bool
	noDL     bool // the connection has no read deadlines (e.g. HTTP/2 in tests)
	finished bool
}

func (s *Server) paceBody(w http.ResponseWriter, r *http.Request) *pacedBody {
	p := &pacedBody{body: r.Body, rc: http.NewResponseController(w), start: time.Now(),
		grace: s.cfg.UploadGrace, rate: float64(s.cfg.MinUploadRate)}
	r.Body = p
	return p
}

func (p *pacedBody) due() time.Time {
	return p.start.Add(p.grace + time.Duration(float64(p.n)/p.rate*float64(time.Second)))
}

func (p *pacedBody) Read(b []byte) (int, error) {
	if p.slow {
		return 0, errSlowUpload
	}
	due := p.due()
	if p.rate <= 0 {
		p.noDL, due = true, time.Now().Add(24*time.Hour) // no pacing configured
	}
	if !p.noDL {
		if err := p.rc.SetReadDeadline(due); err != nil {
			p.noDL = true
		}
	}
	n, err := p.body.Read(b)
	p.n += int64(n)
	if errors.Is(err, os.ErrDeadlineExceeded) || (p.noDL && err == nil && time.Now().After(due) && n == 0) {
		// The expired deadline stays: the rest of the body is not
		// waited for, and the connection is closed after the answer.
		p.slow, p.finished = true, true
		return n, errSlowUpload
	}
	if err != nil {
		p.lift()
		if err != io.EOF {
			err = &bodyError{err}
		}
	}
	return n, err
}

// bodyError is a failure to read the request body: the client's doing (a
// connection that broke, a malformed chunked encoding), never the
// server's.
type bodyError struct{ err error }

func (e *bodyError) Error() string { return "reading the request body: " + e.err.Error() }
func (e *bodyError) Unwrap() error { return e.err }

// lift removes the pacing deadline.
func (p *pacedBody) lift() {
	if !p.finished && !p.noDL {
		p.rc.SetReadDeadline(time.Time{})
	}
	p.finished = true
}

func (p *pacedBody) Close() error {
	p.lift()
	return p.body.Close()
}

// slowUploadError is the answer for a body cut off by pacing.
func (s *Server) slowUploadError() *apiError {
	return &apiError{Status: http.StatusRequestTimeout, Code: "slow_upload",
		Msg: fmt.Sprintf("the upload arrived too slowly: send at least %s a second", humanBytes(s.cfg.MinUploadRate))}
}

// tooManyUploads is the answer for a client with every upload place taken.
func (s *Server) tooManyUploads() *apiError {
	return &apiError{Status: http.StatusTooManyRequests, Code: "too_many_uploads", RetryAfter: 1,
		Msg: fmt.Sprintf("this address is already sending %d uploads; wait for one to finish", s.cfg.UploadsPerClient)}
}

// refuseUpload is the answer for a client with every upload place taken.
// The unread body gets at most the grace period to drain before the
// connection is closed.
func (s *Server) refuseUpload(w http.ResponseWriter) *apiError {
	w.Header().Set("Connection", "close")
	http.NewResponseController(w).SetReadDeadline(time.Now().Add(s.cfg.UploadGrace))
	return s.tooManyUploads()
}
