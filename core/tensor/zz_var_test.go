//go:build js && wasm && goexperiment.simd

package tensor

func init() {
	zzVariant["direct"] = func(m, n, k int, a, b, c []float32) { gemmDirect(m, n, k, a, k, b, n, c, n, a[:m], nil) }
	for _, kb := range []int{4096, 8192, 16384} {
		zzVariant[fmtGo(kb)] = func(m, n, k int, a, b, c []float32) {
			m4, n8 := m&^3, n&^7
			nb := max(8, (kb/k)&^7)
			for jb := 0; jb < n8; jb += nb {
				je := min(n8, jb+nb)
				for i0 := 0; i0 < m4; i0 += 4 {
					bt := (*[4]float32)(a[i0 : i0+4])
					ai, ci := a[i0*k:], c[i0*n:]
					for j0 := jb; j0 < je; j0 += 8 {
						kernelDirect4x8(k, ai, k, b[j0:], n, ci[j0:], n, bt)
					}
				}
			}
		}
	}
}

func fmtGo(n int) string {
	s := ""
	for n > 0 {
		s = string(rune('0'+n%10)) + s
		n /= 10
	}
	return "blk" + s
}
