package registry

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/provcheck/provcheck/internal/thumb"
)

// Thumbnail is a small JPEG (at most thumb.MaxSide pixels a side) of one
// registered frame, shown next to the frames of a checked file that
// matched it. The registry keeps no media, only these.
type Thumbnail struct {
	Frame int    `json:"frame"` // index in the medium's fingerprint frames
	JPEG  []byte `json:"jpeg"`  // base64 in JSON
}

// Thumbnails is the part of a store that keeps thumbnails. They are not
// loaded with the cases (a snapshot would hold them all in memory); they
// are read one at a time for display, and all at once for export.
type Thumbnails interface {
	// ThumbnailFrames lists the frames of a case's medium (by digest)
	// that have a thumbnail.
	ThumbnailFrames(ctx context.Context, caseID, sha256 string) ([]int, error)
	// Thumbnail returns the JPEG of one frame, or ErrNotFound.
	Thumbnail(ctx context.Context, caseID, sha256 string, frame int) ([]byte, error)
	// FillThumbnails sets the Thumbnails of every medium of cases.
	FillThumbnails(ctx context.Context, cases []Case) error
}

var _ Thumbnails = (*SQLite)(nil)

func validateThumbnails(p *problems, prefix string, m *Media) {
	seen := map[int]bool{}
	for i, t := range m.Thumbnails {
		at := fmt.Sprintf("%s[%d]", prefix, i)
		if t.Frame < 0 || t.Frame >= len(m.Fingerprint.Frames) {
			p.add(at+".frame", "%d is not a frame of the medium (it has %d)", t.Frame, len(m.Fingerprint.Frames))
		} else if seen[t.Frame] {
			p.add(at+".frame", "frame %d has two thumbnails", t.Frame)
		}
		seen[t.Frame] = true
		if err := thumb.Check(t.JPEG); err != nil {
			p.add(at+".jpeg", "%v", err)
		}
	}
}

func insertThumbnails(ctx context.Context, tx *sql.Tx, mediaID int64, ts []Thumbnail) error {
	if len(ts) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO thumbnails (media_id, frame, jpeg) VALUES (?, ?, ?)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, t := range ts {
		if _, err := stmt.ExecContext(ctx, mediaID, t.Frame, t.JPEG); err != nil {
			return err
		}
	}
	return nil
}

// ThumbnailFrames implements Thumbnails.
func (s *SQLite) ThumbnailFrames(ctx context.Context, caseID, sha256 string) ([]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT t.frame FROM thumbnails t JOIN media m ON t.media_id = m.id
		WHERE m.case_id = ? AND m.sha256 = ? ORDER BY t.frame`, caseID, sha256)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var f int
		if err := rows.Scan(&f); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// Thumbnail implements Thumbnails.
func (s *SQLite) Thumbnail(ctx context.Context, caseID, sha256 string, frame int) ([]byte, error) {
	var b []byte
	err := s.db.QueryRowContext(ctx, `SELECT t.jpeg FROM thumbnails t JOIN media m ON t.media_id = m.id
		WHERE m.case_id = ? AND m.sha256 = ? AND t.frame = ?`, caseID, sha256, frame).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return b, err
}

// FillThumbnails implements Thumbnails.
func (s *SQLite) FillThumbnails(ctx context.Context, cases []Case) error {
	at := thumbnailSlots(cases)
	if len(at) == 0 {
		return nil
	}
	lo, hi := idRange(cases)
	rows, err := s.db.QueryContext(ctx, `SELECT m.case_id, m.sha256, t.frame, t.jpeg FROM thumbnails t JOIN media m ON t.media_id = m.id
		WHERE m.case_id BETWEEN ? AND ? ORDER BY m.case_id, m.seq, t.frame`, lo, hi)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var cid, sha string
		var t Thumbnail
		if err := rows.Scan(&cid, &sha, &t.Frame, &t.JPEG); err != nil {
			return err
		}
		if m := at[[2]string{cid, sha}]; m != nil {
			m.Thumbnails = append(m.Thumbnails, t)
		}
	}
	return rows.Err()
}

var _ Thumbnails = (*Postgres)(nil)

// ThumbnailFrames implements Thumbnails.
func (s *Postgres) ThumbnailFrames(ctx context.Context, caseID, sha256 string) ([]int, error) {
	rows, err := s.pool.Query(ctx, `SELECT t.frame FROM thumbnails t JOIN media m ON t.media_id = m.id
		WHERE m.case_id = $1 AND m.sha256 = $2 ORDER BY t.frame`, caseID, sha256)
	if err != nil {
		return nil, pgError(err)
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var f int
		if err := rows.Scan(&f); err != nil {
			return nil, pgError(err)
		}
		out = append(out, f)
	}
	return out, pgError(rows.Err())
}

// Thumbnail implements Thumbnails.
func (s *Postgres) Thumbnail(ctx context.Context, caseID, sha256 string, frame int) ([]byte, error) {
	var b []byte
	err := s.pool.QueryRow(ctx, `SELECT t.jpeg FROM thumbnails t JOIN media m ON t.media_id = m.id
		WHERE m.case_id = $1 AND m.sha256 = $2 AND t.frame = $3`, caseID, sha256, frame).Scan(&b)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	return b, pgError(err)
}

// FillThumbnails implements Thumbnails.
func (s *Postgres) FillThumbnails(ctx context.Context, cases []Case) error {
	at := thumbnailSlots(cases)
	if len(at) == 0 {
		return nil
	}
	ids := make([]string, len(cases))
	for i := range cases {
		ids[i] = cases[i].ID
	}
	return s.read(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT m.case_id, m.sha256, t.frame, t.jpeg FROM thumbnails t JOIN media m ON t.media_id = m.id
			WHERE m.case_id = ANY($1) ORDER BY m.case_id, m.seq, t.frame`, ids)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var cid, sha string
			var t Thumbnail
			if err := rows.Scan(&cid, &sha, &t.Frame, &t.JPEG); err != nil {
				return err
			}
			if m := at[[2]string{cid, sha}]; m != nil {
				m.Thumbnails = append(m.Thumbnails, t)
			}
		}
		return rows.Err()
	})
}

// idRange is the least and the greatest id of cases (in byte order, as
// SQLite compares them).
func idRange(cases []Case) (lo, hi string) {
	for i, c := range cases {
		if i == 0 || c.ID < lo {
			lo = c.ID
		}
		if i == 0 || c.ID > hi {
			hi = c.ID
		}
	}
	return lo, hi
}

// thumbnailSlots clears the thumbnails of every medium of cases and
// indexes the media by case id and digest.
func thumbnailSlots(cases []Case) map[[2]string]*Media {
	at := map[[2]string]*Media{}
	for i := range cases {
		for j := range cases[i].Media {
			m := &cases[i].Media[j]
			m.Thumbnails = nil
			at[[2]string{cases[i].ID, m.SHA256}] = m
		}
	}
	return at
}
