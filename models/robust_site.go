//go:build site

package models

// robustFile is nil in the page's build (tag site): the Robust model's
// 0.8 MB are fetched from RobustFile when a view, a link or a JS call asks
// for the model, so that a first visit does not download them.
var robustFile []byte
