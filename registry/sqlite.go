package registry

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/provcheck/provcheck/internal/fingerprint"
	"github.com/provcheck/provcheck/internal/signal/pdq"

	_ "modernc.org/sqlite" // registers the "sqlite" driver (pure Go)
)

// SchemaVersion is the registry schema this build writes.
const SchemaVersion = 9

// migrations[i] brings a registry from schema version i to i+1.
var migrations = []string{
	`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
	INSERT INTO meta(key, value) VALUES ('generation', '0');
	CREATE TABLE cases (
		id TEXT PRIMARY KEY,
		title TEXT NOT NULL,
		claim TEXT NOT NULL DEFAULT '',
		rating TEXT NOT NULL DEFAULT '',
		category TEXT NOT NULL DEFAULT '',
		tags TEXT NOT NULL DEFAULT '[]',
		first_seen TEXT NOT NULL DEFAULT '',
		created_at TEXT NOT NULL,
		updated_at TEXT NOT NULL
	);
	CREATE TABLE fact_checks (
		id INTEGER PRIMARY KEY,
		case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
		seq INTEGER NOT NULL,
		publisher TEXT NOT NULL,
		url TEXT NOT NULL DEFAULT '',
		title TEXT NOT NULL DEFAULT '',
		rating TEXT NOT NULL DEFAULT '',
		date TEXT NOT NULL DEFAULT '',
		language TEXT NOT NULL DEFAULT ''
	);
	CREATE INDEX fact_checks_case ON fact_checks(case_id, seq);
	CREATE TABLE media (
		id INTEGER PRIMARY KEY,
		case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
		seq INTEGER NOT NULL,
		sha256 TEXT NOT NULL,
		name TEXT NOT NULL DEFAULT '',
		note TEXT NOT NULL DEFAULT '',
		added_at TEXT NOT NULL,
		kind TEXT NOT NULL,
		format TEXT NOT NULL DEFAULT '',
		codec TEXT NOT NULL DEFAULT '',
		width INTEGER NOT NULL,
		height INTEGER NOT NULL,
		duration REAL NOT NULL,
		fps REAL NOT NULL,
		UNIQUE (case_id, sha256)
	);
	CREATE INDEX media_case ON media(case_id, seq);
	CREATE TABLE frames (
		media_id INTEGER NOT NULL REFERENCES media(id) ON DELETE CASCADE,
		seq INTEGER NOT NULL,
		t REAL NOT NULL,
		pdq TEXT NOT NULL,
		quality INTEGER NOT NULL,
		phash TEXT NOT NULL,
		dhash TEXT NOT NULL,
		PRIMARY KEY (media_id, seq)
	) WITHOUT ROWID;
	CREATE TABLE views (
		media_id INTEGER NOT NULL REFERENCES media(id) ON DELETE CASCADE,
		frame_seq INTEGER NOT NULL,
		seq INTEGER NOT NULL,
		name TEXT NOT NULL,
		pdq TEXT NOT NULL,
		quality INTEGER NOT NULL,
		PRIMARY KEY (media_id, frame_seq, seq)
	) WITHOUT ROWID;`,
	// 2: stop frames, material known to be unrelated to every case.
	`CREATE TABLE stop_frames (
		id INTEGER PRIMARY KEY,
		source TEXT NOT NULL,
		pdq TEXT NOT NULL,
		added_at TEXT NOT NULL,
		UNIQUE (source, pdq)
	);`,
	// 3: the change log: which cases each generation touched ('' for the
	// stop-list), so readers apply changes instead of reloading. Readers
	// older than log_floor reload.
	`CREATE TABLE changes (generation INTEGER NOT NULL, case_id TEXT NOT NULL);
	CREATE INDEX changes_generation ON changes(generation);
	INSERT INTO meta(key, value) SELECT 'log_floor', value FROM meta WHERE key = 'generation';`,
	// 4: thumbnails of registered frames, shown as evidence.
	`CREATE TABLE thumbnails (
		media_id INTEGER NOT NULL REFERENCES media(id) ON DELETE CASCADE,
		frame INTEGER NOT NULL,
		jpeg BLOB NOT NULL,
		PRIMARY KEY (media_id, frame)
	) WITHOUT ROWID;`,
	// 5: the schema.org ClaimReview/MediaReview fields (see review.go).
	reviewMigration,
	// 6: signals by type and version (the types other than PDQ, whose
	// frames and views keep their columns), and the version of what made
	// each medium's fingerprint. Media registered before have PDQ 1 and
	// views 2 if their frames have the zoom70 view (added with views 2),
	// else views 1 (fingerprint.LegacyVersion).
	`CREATE TABLE signals (
		media_id INTEGER NOT NULL REFERENCES media(id) ON DELETE CASCADE,
		frame_seq INTEGER NOT NULL,
		type TEXT NOT NULL,
		version INTEGER NOT NULL,
		value TEXT NOT NULL,
		quality INTEGER NOT NULL,
		PRIMARY KEY (media_id, frame_seq, type)
	) WITHOUT ROWID;
	ALTER TABLE media ADD COLUMN fingerprint_version TEXT NOT NULL DEFAULT '';
	UPDATE media SET fingerprint_version = CASE
		WHEN EXISTS (SELECT 1 FROM views v WHERE v.media_id = media.id AND v.name = 'zoom70') THEN 'pdq/1 views/2'
		ELSE 'pdq/1 views/1' END;`,
	// 7: local features of the frames sampled for them (orb.Encode), and
	// of stop frames.
	`CREATE TABLE local_features (
		media_id INTEGER NOT NULL REFERENCES media(id) ON DELETE CASCADE,
		frame_seq INTEGER NOT NULL,
		data BLOB NOT NULL,
		PRIMARY KEY (media_id, frame_seq)
	) WITHOUT ROWID;
	ALTER TABLE stop_frames ADD COLUMN local BLOB;`,
	// 8: frames lose their 64-bit pHash and dHash, which never took part
	// in matching (the hash command computes them itself). SQLite rewrites
	// the table; the pages freed are reused by later writes.
	`ALTER TABLE frames DROP COLUMN phash;
	ALTER TABLE frames DROP COLUMN dhash;`,
	// 9: media are found by their file's digest (a checked file identical
	// to a registered one).
	`CREATE INDEX media_sha256 ON media (sha256);`,
}

// SQLite is the embedded registry: one file, WAL journal, pure Go driver.
type SQLite struct {
	db   *sql.DB
	path string
}

var _ Store = (*SQLite)(nil)

// OpenSQLite opens (creating if needed) the registry file at path and brings
// its schema up to date. A registry written by a newer provcheck is refused.
func OpenSQLite(ctx context.Context, path string) (*SQLite, error) {
	if path == "" {
		return nil, errors.New("registry: no path given")
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("registry: %w", err)
		}
	}
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("registry: %s is not a regular file", path)
	}
	q := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "foreign_keys(1)", "synchronous(NORMAL)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("registry: open %s: %w", path, err)
	}
	s := &SQLite{db: db, path: path}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("registry: %s: %w", path, err)
	}
	return s, nil
}

// Path is the registry file.
func (s *SQLite) Path() string { return s.path }

// Close closes the database.
func (s *SQLite) Close() error { return s.db.Close() }

func (s *SQLite) migrate(ctx context.Context) error {
	var v int
	if err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("not a provcheck registry (%w)", err)
	}
	if v > SchemaVersion {
		return fmt.Errorf("schema version %d is newer than this provcheck understands (%d): upgrade provcheck", v, SchemaVersion)
	}
	for ; v < SchemaVersion; v++ {
		err := s.tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
				return fmt.Errorf("migrate to schema %d: %w", v+1, err)
			}
			_, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v+1))
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// tx runs fn in one transaction, committed only if fn returns nil.
func (s *SQLite) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// write runs fn in one transaction after taking the next generation, and
// records the cases fn reports changed in the change log.
func (s *SQLite) write(ctx context.Context, fn func(tx *sql.Tx) ([]string, error)) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var gen int64
		if err := tx.QueryRowContext(ctx, `UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'generation'
			RETURNING CAST(value AS INTEGER)`).Scan(&gen); err != nil {
			return err
		}
		ids, err := fn(tx)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `INSERT INTO changes (generation, case_id) VALUES (?, ?)`, gen, id); err != nil {
				return err
			}
		}
		if floor := gen - changeLogKeep; floor > 0 && gen%changeLogPruneEvery == 0 {
			if _, err := tx.ExecContext(ctx, `DELETE FROM changes WHERE generation <= ?`, floor); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE meta SET value = ? WHERE key = 'log_floor'`, floor); err != nil {
				return err
			}
		}
		return nil
	})
}

// Changes implements ChangeLog.
func (s *SQLite) Changes(ctx context.Context, since int64) (Changes, error) {
	var ch Changes
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return ch, err
	}
	defer tx.Rollback()
	var floor int64
	if err := tx.QueryRowContext(ctx, `SELECT (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'generation'),
		(SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'log_floor')`).Scan(&ch.Generation, &floor); err != nil {
		return ch, err
	}
	if since < floor || since > ch.Generation {
		ch.Full = true
		return ch, nil
	}
	if since == ch.Generation {
		return ch, nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT case_id FROM changes WHERE generation > ?`, since)
	if err != nil {
		return ch, err
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return ch, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return ch, err
	}
	err = ch.fill(ids, func(ids []string) ([]Case, error) {
		var out []Case
		for _, id := range ids {
			cs, err := load(ctx, tx, id, true)
			if err != nil {
				return nil, err
			}
			out = append(out, cs...)
		}
		return out, nil
	}, func() ([]StopFrame, error) { return stopFrames(ctx, tx) })
	return ch, err
}

// WithDigest implements Store.
func (s *SQLite) WithDigest(ctx context.Context, sha256 string) ([]MediaRef, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT case_id, name FROM media WHERE sha256 = ? ORDER BY case_id, seq`, sha256)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []MediaRef
	for rows.Next() {
		var m MediaRef
		if err := rows.Scan(&m.CaseID, &m.Name); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// Generation implements Store.
func (s *SQLite) Generation(ctx context.Context) (int64, error) {
	var g int64
	err := s.db.QueryRowContext(ctx, `SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'generation'`).Scan(&g)
	return g, err
}

// Upsert implements Store.
func (s *SQLite) Upsert(ctx context.Context, c Case) (Case, error) {
	var out Case
	err := s.write(ctx, func(tx *sql.Tx) ([]string, error) {
		var err error
		out, err = upsert(ctx, tx, c, time.Now().UTC())
		return []string{c.ID}, err
	})
	return out, err
}

// Import implements Store: validated cases are merged in one transaction.
func (s *SQLite) Import(ctx context.Context, cases []Case) error {
	return s.ImportBundle(ctx, Bundle{Cases: cases})
}

// ImportBundle merges a bundle's cases and adds its stop frames, in one
// transaction.
func (s *SQLite) ImportBundle(ctx context.Context, b Bundle) error {
	return s.ImportStream(ctx, b.fill)
}

// ImportStream implements Store.
func (s *SQLite) ImportStream(ctx context.Context, fill func(put func(Case) error) ([]StopFrame, error)) error {
	return s.write(ctx, func(tx *sql.Tx) ([]string, error) {
		now := time.Now().UTC()
		var ids []string
		stops, err := fill(func(c Case) error {
			if _, err := upsert(ctx, tx, c, now); err != nil {
				return fmt.Errorf("case %s: %w", c.ID, err)
			}
			ids = append(ids, c.ID)
			return nil
		})
		if err != nil {
			return nil, err
		}
		n, err := addStopFrames(ctx, tx, stops, now)
		if err != nil {
			return nil, fmt.Errorf("stop frames: %w", err)
		}
		if n > 0 {
			ids = append(ids, stopFramesChanged)
		}
		return ids, nil
	})
}

func upsert(ctx context.Context, tx *sql.Tx, c Case, now time.Time) (Case, error) {
	existing, err := get(ctx, tx, c.ID, true)
	switch {
	case errors.Is(err, ErrNotFound):
		existing = Case{ID: c.ID, CreatedAt: now}
		if !c.CreatedAt.IsZero() {
			existing.CreatedAt = c.CreatedAt
		}
	case err != nil:
		return Case{}, err
	}
	merged := Merge(existing, c)
	merged.UpdatedAt = now
	for i := range merged.Media {
		if merged.Media[i].AddedAt.IsZero() {
			merged.Media[i].AddedAt = now
		}
	}
	if err := merged.Validate("", false); err != nil {
		return Case{}, err
	}
	tags, _ := json.Marshal(nonNil(merged.Tags))
	_, err = tx.ExecContext(ctx, `INSERT INTO cases (id, title, claim, rating, category, tags, first_seen, created_at, updated_at, `+caseReviewCols+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(id) DO UPDATE SET title = excluded.title, claim = excluded.claim, rating = excluded.rating,
			category = excluded.category, tags = excluded.tags, first_seen = excluded.first_seen, updated_at = excluded.updated_at,
			claimant = excluded.claimant, claimant_url = excluded.claimant_url, original_context = excluded.original_context,
			appearances = excluded.appearances, media_appearances = excluded.media_appearances`,
		append([]any{merged.ID, merged.Title, merged.Claim, merged.Rating, string(merged.Category), string(tags), merged.FirstSeen,
			fmtTime(merged.CreatedAt), fmtTime(merged.UpdatedAt)}, caseReviewValues(&merged)...)...)
	if err != nil {
		return Case{}, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM fact_checks WHERE case_id = ?`, merged.ID); err != nil {
		return Case{}, err
	}
	for i, fc := range merged.FactChecks {
		_, err := tx.ExecContext(ctx, `INSERT INTO fact_checks (case_id, seq, publisher, url, title, rating, date, language, `+factCheckReviewCols+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			append([]any{merged.ID, i, fc.Publisher, fc.URL, fc.Title, fc.Rating, fc.Date, fc.Language}, factCheckReviewValues(&fc)...)...)
		if err != nil {
			return Case{}, err
		}
	}
	// Media are never rewritten: only those new to the case are inserted.
	for i, m := range merged.Media[len(existing.Media):] {
		if err := insertMedia(ctx, tx, merged.ID, len(existing.Media)+i, m); err != nil {
			return Case{}, err
		}
	}
	return merged, nil
}

func insertMedia(ctx context.Context, tx *sql.Tx, caseID string, seq int, m Media) error {
	fp := m.Fingerprint
	res, err := tx.ExecContext(ctx, `INSERT INTO media (case_id, seq, sha256, name, note, added_at, kind, format, codec, width, height, duration, fps, fingerprint_version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		caseID, seq, m.SHA256, m.Name, m.Note, fmtTime(m.AddedAt), string(fp.Kind), fp.Format, fp.Codec,
		fp.Width, fp.Height, fp.Duration, fp.FPS, m.FingerprintVersion())
	if err != nil {
		return err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return err
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO frames (media_id, seq, t, pdq, quality) VALUES (?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	vstmt, err := tx.PrepareContext(ctx, `INSERT INTO views (media_id, frame_seq, seq, name, pdq, quality) VALUES (?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer vstmt.Close()
	if err := insertThumbnails(ctx, tx, id, m.Thumbnails); err != nil {
		return err
	}
	sstmt, err := tx.PrepareContext(ctx, `INSERT INTO signals (media_id, frame_seq, type, version, value, quality) VALUES (?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer sstmt.Close()
	lstmt, err := tx.PrepareContext(ctx, `INSERT INTO local_features (media_id, frame_seq, data) VALUES (?, ?, ?)`)
	if err != nil {
		return err
	}
	defer lstmt.Close()
	for i, f := range fp.Frames {
		if _, err := stmt.ExecContext(ctx, id, i, f.T, f.PDQ.String(), f.Quality); err != nil {
			return err
		}
		if len(f.Local) > 0 {
			if _, err := lstmt.ExecContext(ctx, id, i, f.Local); err != nil {
				return err
			}
		}
		for j, v := range f.Views {
			if _, err := vstmt.ExecContext(ctx, id, i, j, v.Name, v.PDQ.String(), v.Quality); err != nil {
				return err
			}
		}
		for _, sv := range f.Signals {
			if _, err := sstmt.ExecContext(ctx, id, i, sv.Type, sv.Version, sv.Value, sv.Quality); err != nil {
				return err
			}
		}
	}
	return nil
}

// Get implements Store.
func (s *SQLite) Get(ctx context.Context, id string) (Case, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return Case{}, err
	}
	defer tx.Rollback()
	return get(ctx, tx, id, true)
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func get(ctx context.Context, q querier, id string, withFrames bool) (Case, error) {
	cases, err := load(ctx, q, id, withFrames)
	if err != nil {
		return Case{}, err
	}
	if len(cases) == 0 {
		return Case{}, fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	return cases[0], nil
}

// load reads one case (id != "") or all cases, ordered by id.
func load(ctx context.Context, q querier, id string, withFrames bool) ([]Case, error) {
	return loadPage(ctx, q, id, "", 0, withFrames)
}

// loadPage reads one case (id != ""), all cases (limit 0), or the first
// limit cases whose id sorts after after, ordered by id.
func loadPage(ctx context.Context, q querier, id, after string, limit int, withFrames bool) ([]Case, error) {
	where, suffix, args := "", "", []any{}
	switch {
	case id != "":
		where, args = " WHERE id = ?", []any{id}
	case limit > 0:
		where, suffix, args = " WHERE id > ?", " LIMIT ?", []any{after, limit}
	}
	rows, err := q.QueryContext(ctx, `SELECT id, title, claim, rating, category, tags, first_seen, created_at, updated_at, `+caseReviewCols+` FROM cases`+where+` ORDER BY id`+suffix, args...)
	if err != nil {
		return nil, err
	}
	var cases []Case
	byID := map[string]int{}
	for rows.Next() {
		var c Case
		var tags, created, updated string
		var rev caseReviewScan
		if err := rows.Scan(append([]any{&c.ID, &c.Title, &c.Claim, &c.Rating, &c.Category, &tags, &c.FirstSeen, &created, &updated}, rev.targets(&c)...)...); err != nil {
			rows.Close()
			return nil, err
		}
		if err := rev.decode(&c); err != nil {
			rows.Close()
			return nil, err
		}
		if err := json.Unmarshal([]byte(tags), &c.Tags); err != nil {
			rows.Close()
			return nil, fmt.Errorf("case %s: tags: %w", c.ID, err)
		}
		c.CreatedAt, c.UpdatedAt = parseTime(created), parseTime(updated)
		c.Media, c.FactChecks = []Media{}, []FactCheck{}
		byID[c.ID] = len(cases)
		cases = append(cases, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(cases) == 0 {
		return nil, nil
	}
	// The rows of the other tables: those of the case, or of the page
	// (its ids are a range: the page is consecutive in id order).
	caseFilter, inCases := "", ""
	switch {
	case id != "":
		caseFilter, inCases = " WHERE case_id = ?", "case_id = ?"
	case limit > 0:
		caseFilter, inCases = " WHERE case_id BETWEEN ? AND ?", "case_id BETWEEN ? AND ?"
		args = []any{cases[0].ID, cases[len(cases)-1].ID}
	}
	rows, err = q.QueryContext(ctx, `SELECT case_id, publisher, url, title, rating, date, language, `+factCheckReviewCols+` FROM fact_checks`+caseFilter+` ORDER BY case_id, seq`, args...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var cid string
		var fc FactCheck
		var rev factCheckReviewScan
		if err := rows.Scan(append([]any{&cid, &fc.Publisher, &fc.URL, &fc.Title, &fc.Rating, &fc.Date, &fc.Language}, rev.targets(&fc)...)...); err != nil {
			rows.Close()
			return nil, err
		}
		if err := rev.decode(&fc); err != nil {
			rows.Close()
			return nil, err
		}
		if i, ok := byID[cid]; ok {
			cases[i].FactChecks = append(cases[i].FactChecks, fc)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = q.QueryContext(ctx, `SELECT id, case_id, sha256, name, note, added_at, kind, format, codec, width, height, duration, fps, fingerprint_version FROM media`+caseFilter+` ORDER BY case_id, seq`, args...)
	if err != nil {
		return nil, err
	}
	mediaPos := map[int64]mediaAt{}
	for rows.Next() {
		var mid int64
		var cid, added string
		var m Media
		fp := &m.Fingerprint
		if err := rows.Scan(&mid, &cid, &m.SHA256, &m.Name, &m.Note, &added, &fp.Kind, &fp.Format, &fp.Codec, &fp.Width, &fp.Height, &fp.Duration, &fp.FPS, &m.Version); err != nil {
			rows.Close()
			return nil, err
		}
		m.AddedAt = parseTime(added)
		fp.Frames = []fingerprint.Frame{}
		if i, ok := byID[cid]; ok {
			mediaPos[mid] = mediaAt{i, len(cases[i].Media)}
			cases[i].Media = append(cases[i].Media, m)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if !withFrames {
		return cases, nil
	}
	frameFilter := ""
	if inCases != "" {
		frameFilter = " WHERE media_id IN (SELECT id FROM media WHERE " + inCases + ")"
	}
	rows, err = q.QueryContext(ctx, `SELECT media_id, t, pdq, quality FROM frames`+frameFilter+` ORDER BY media_id, seq`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var mid int64
		var f fingerprint.Frame
		var p string
		if err := rows.Scan(&mid, &f.T, &p, &f.Quality); err != nil {
			return nil, err
		}
		if f.PDQ, err = pdq.Parse(p); err != nil {
			return nil, fmt.Errorf("media %d: %w", mid, err)
		}
		if at, ok := mediaPos[mid]; ok {
			fr := &cases[at.c].Media[at.m].Fingerprint.Frames
			*fr = append(*fr, f)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	viewFilter := frameFilter
	vrows, err := q.QueryContext(ctx, `SELECT media_id, frame_seq, name, pdq, quality FROM views`+viewFilter+` ORDER BY media_id, frame_seq, seq`, args...)
	if err != nil {
		return nil, err
	}
	defer vrows.Close()
	for vrows.Next() {
		var mid int64
		var seq int
		var v fingerprint.View
		var p string
		if err := vrows.Scan(&mid, &seq, &v.Name, &p, &v.Quality); err != nil {
			return nil, err
		}
		if v.PDQ, err = pdq.Parse(p); err != nil {
			return nil, fmt.Errorf("media %d: view: %w", mid, err)
		}
		if f := frameAt(cases, mediaPos, mid, seq); f != nil {
			f.Views = append(f.Views, v)
		}
	}
	if err := vrows.Err(); err != nil {
		return nil, err
	}
	vrows.Close()
	srows, err := q.QueryContext(ctx, `SELECT media_id, frame_seq, type, version, value, quality FROM signals`+viewFilter+` ORDER BY media_id, frame_seq, type`, args...)
	if err != nil {
		return nil, err
	}
	defer srows.Close()
	for srows.Next() {
		var mid int64
		var seq int
		var sv fingerprint.Signal
		if err := srows.Scan(&mid, &seq, &sv.Type, &sv.Version, &sv.Value, &sv.Quality); err != nil {
			return nil, err
		}
		if f := frameAt(cases, mediaPos, mid, seq); f != nil {
			f.Signals = append(f.Signals, sv)
		}
	}
	if err := srows.Err(); err != nil {
		return nil, err
	}
	srows.Close()
	lrows, err := q.QueryContext(ctx, `SELECT media_id, frame_seq, data FROM local_features`+viewFilter+` ORDER BY media_id, frame_seq`, args...)
	if err != nil {
		return nil, err
	}
	defer lrows.Close()
	for lrows.Next() {
		var mid int64
		var seq int
		var data []byte
		if err := lrows.Scan(&mid, &seq, &data); err != nil {
			return nil, err
		}
		if f := frameAt(cases, mediaPos, mid, seq); f != nil {
			f.Local = data
		}
	}
	return cases, lrows.Err()
}

// All implements Store.
func (s *SQLite) All(ctx context.Context) ([]Case, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return load(ctx, tx, "", true)
}

// Each implements Store: the cases are read eachPage at a time, in one
// read transaction.
func (s *SQLite) Each(ctx context.Context, fn func(Case) error) error {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return eachPaged(func(after string) ([]Case, error) {
		return loadPage(ctx, tx, "", after, eachPage, true)
	}, fn)
}

// List implements Store.
func (s *SQLite) List(ctx context.Context) ([]Summary, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT c.id, c.title, c.rating, c.category, c.updated_at,
		(SELECT COUNT(*) FROM media m WHERE m.case_id = c.id),
		(SELECT COUNT(*) FROM frames f JOIN media m ON f.media_id = m.id WHERE m.case_id = c.id),
		(SELECT COUNT(*) FROM fact_checks k WHERE k.case_id = c.id),
		(SELECT COALESCE(group_concat(v, ','), '') FROM (SELECT DISTINCT fingerprint_version AS v FROM media m WHERE m.case_id = c.id ORDER BY v))
		FROM cases c ORDER BY c.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Summary{}
	for rows.Next() {
		var s Summary
		var updated, versions string
		if err := rows.Scan(&s.ID, &s.Title, &s.Rating, &s.Category, &updated, &s.Media, &s.Frames, &s.FactChecks, &versions); err != nil {
			return nil, err
		}
		s.UpdatedAt = parseTime(updated)
		s.Versions = splitVersions(versions)
		out = append(out, s)
	}
	return out, rows.Err()
}

// Remove implements Store.
func (s *SQLite) Remove(ctx context.Context, id string) error {
	return s.write(ctx, func(tx *sql.Tx) ([]string, error) {
		res, err := tx.ExecContext(ctx, `DELETE FROM cases WHERE id = ?`, id)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil, fmt.Errorf("%w: %q", ErrNotFound, id)
		}
		return []string{id}, nil
	})
}

func fmtTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func parseTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// IsValidation reports whether err is a ValidationError (bad input rather
// than a storage failure).
func IsValidation(err error) bool {
	var v *ValidationError
	return errors.As(err, &v)
}

// SchemaVersion is the schema the registry file is at.
func (s *SQLite) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	return v, err
}
