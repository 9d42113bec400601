package registry

// Limits on what a case, a bundle or a stop-list may hold. Every write
// (registry add, import, POST /v1/entries) is validated against them, so
// one entry can neither bloat every answer that lists cases nor cost the
// service its memory. Lengths are in bytes of UTF-8.
const (
	MaxTitleLen      = 500     // case title
	MaxClaimLen      = 5_000   // case claim
	MaxRatingLen     = 100     // case and fact-check rating
	MaxTagLen        = 100     // one tag
	MaxTags          = 100     // tags of a case
	MaxFactChecks    = 50      // fact-checks of a case
	MaxMedia         = 500     // media of a case
	MaxMediaNameLen  = 255     // a medium's file name
	MaxNoteLen       = 2_000   // a medium's source note
	MaxPublisherLen  = 200     // fact-check publisher
	MaxFCTitleLen    = 500     // fact-check title
	MaxURLLen        = 2_048   // fact-check URL
	MaxLanguageLen   = 35      // fact-check language (a BCP 47 tag)
	MaxClaimantLen   = 200     // who made the claim (ClaimReview itemReviewed.author)
	MaxContextLen    = 5_000   // MediaReview's original media context description
	MaxAppearances   = 200     // where the claim was seen (ClaimReview appearance)
	MaxPostings      = 500     // where the media were posted (MediaReview items)
	MaxTimeLen       = 64      // a posting's start or end time, as published
	MaxMediaTypeLen  = 64      // a posting's schema.org type
	MaxFrames        = 100_000 // frames of one medium (sampling.max_frames is at most this)
	MaxViews         = 64      // views of one frame
	MaxFormatLen     = 64      // fingerprint format and codec names, view names
	MaxSide          = 1 << 20 // width or height of a medium
	MaxDuration      = 1e6     // seconds of a medium (about 11.5 days)
	MaxFPS           = 1_000   // frame rate of a medium
	MaxStopFrames    = 1_000_000
	MaxStopSourceLen = 255

	// Bundles are read as a stream: no single JSON value may take more
	// than these bytes (whitespace included), so a bundle padded with
	// whitespace or carrying a huge string is refused early instead of
	// being held in memory.
	maxFieldJSON = 1 << 20  // one field of a case, medium or fingerprint; all fact-checks of a case
	maxFrameJSON = 64 << 10 // one frame with its views
	maxKeyJSON   = 4 << 10  // one object key
	// one thumbnail: its JPEG (thumb.MaxBytes) in base64, and its frame
	maxThumbnailJSON = 64 << 10
)

// eachPage is how many cases Store.Each reads from the store at a time
// (an export holds one page in memory: at most eachPage cases of
// MaxMedia media of MaxFrames frames, about 80,000 frame hashes for
// 64 clips of 1,200).
const eachPage = 64
