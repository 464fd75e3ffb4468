//go:build !site

package models

import _ "embed"

// robustFile is the Robust model's file, embedded in every build but the
// page's (robust_site.go).
//
//go:embed robust.safetensors
var robustFile []byte
