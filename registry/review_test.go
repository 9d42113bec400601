package registry

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
)

// TestReviewFieldsStored: the ClaimReview/MediaReview fields of a case and
// its fact-checks survive the store, on both backends, and merge.
func TestReviewFieldsStored(t *testing.T) {
	forEachStore(t, func(t *testing.T, open func(*testing.T) Store) {
		st := open(t)
		ctx := context.Background()
		c := Case{ID: "flood", Title: "Old flood photo", Claim: "Shows this week's flood", Rating: "Missing context",
			Category: DecontextualizedContent, Claimant: "Social media users", ClaimantURL: "https://social.example.com/u",
			OriginalContext: "The 2018 flood.",
			Appearances:     []Appearance{{URL: "https://social.example.com/p/0", First: true}, {URL: "https://social.example.com/p/1"}},
			MediaAppearances: []MediaAppearance{{ContentURL: "https://cdn.example.com/f.mp4", Type: "VideoObject", StartTime: "00:00:04",
				EndTime: "00:00:09", Category: DecontextualizedContent}},
			FactChecks: []FactCheck{{Publisher: "Checkers", PublisherURL: "https://checkers.example.com/", URL: "https://checkers.example.com/f",
				Rating: "Missing context", RatingValue: "2", BestRating: "7", WorstRating: "1",
				Extra: map[string]json.RawMessage{"ClaimReview.reviewBody": json.RawMessage(`"It is from 2018."`)}}},
		}
		if _, err := st.Upsert(ctx, c); err != nil {
			t.Fatal(err)
		}
		got, err := st.Get(ctx, "flood")
		if err != nil {
			t.Fatal(err)
		}
		if got.Claimant != c.Claimant || got.ClaimantURL != c.ClaimantURL || got.OriginalContext != c.OriginalContext ||
			!reflect.DeepEqual(got.Appearances, c.Appearances) || !reflect.DeepEqual(got.MediaAppearances, c.MediaAppearances) ||
			!reflect.DeepEqual(got.FactChecks, c.FactChecks) {
			t.Errorf("stored\n%+v\nread back\n%+v", c, got)
		}
		// Merging: a new appearance is added, a known one is not repeated.
		more := Case{ID: "flood", Appearances: []Appearance{{URL: "https://social.example.com/p/1"}, {URL: "https://social.example.com/p/2"}}}
		if got, err = st.Upsert(ctx, more); err != nil {
			t.Fatal(err)
		}
		if len(got.Appearances) != 3 || got.Claimant != c.Claimant {
			t.Errorf("after merge: %+v", got)
		}
		// A bad URL is refused with its path.
		bad := Case{ID: "flood", MediaAppearances: []MediaAppearance{{ContentURL: "file:///etc/passwd"}}}
		if _, err := st.Upsert(ctx, bad); err == nil || !IsValidation(err) {
			t.Errorf("bad content URL: %v", err)
		}
	})
}
