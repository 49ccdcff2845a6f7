package main

import (
	"math"
	"testing"
)

// TestMannWhitney checks the rank test against values worked out by hand
// with the formula of R's wilcox.test(exact = FALSE, correct = TRUE).
func TestMannWhitney(t *testing.T) {
	// Identical samples: no evidence of a difference.
	if p := mannWhitney([]float64{1, 2, 3, 4}, []float64{1, 2, 3, 4}); p < 0.99 {
		t.Errorf("identical samples: p = %g", p)
	}
	// Fully separated samples of 10: U = 0, sd = √175, z = 49.5/√175.
	a := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	b := []float64{11, 12, 13, 14, 15, 16, 17, 18, 19, 20}
	if p := mannWhitney(a, b); math.Abs(p-0.00018267) > 0.0000001 {
		t.Errorf("separated samples: p = %g, want 0.00018267", p)
	}
	// With ties: x = 1 2 2 3 4, y = 2 3 3 4 5: ranks of x 1, 3, 3, 6,
	// 8.5, U = 6.5; ties of 3, 3 and 2 make the variance 25/12·(11-54/90).
	if p := mannWhitney([]float64{1, 2, 2, 3, 4}, []float64{2, 3, 3, 4, 5}); math.Abs(p-0.23737) > 0.00001 {
		t.Errorf("tied samples: p = %g, want 0.23737", p)
	}
	if m := median([]float64{5, 1, 3, 2}); m != 2.5 {
		t.Errorf("median %g", m)
	}
}
