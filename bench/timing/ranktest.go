package main

import (
	"math"
	"sort"
)

// mannWhitney returns the two-sided p-value of the Mann-Whitney U test
// (Wilcoxon rank-sum) of samples a and b: how likely samples as far apart
// in rank would be if both came from one distribution. It uses the normal
// approximation with the tie correction, which is accurate for the
// samples of this program (hundreds each).
//
// Written here rather than imported: the test is twenty lines, and the
// statistics libraries that have it (gonum's stat, for one) would add a
// large dependency to the module for one function of a benchmark.
func mannWhitney(a, b []float64) float64 {
	n1, n2 := float64(len(a)), float64(len(b))
	if n1 == 0 || n2 == 0 {
		return math.NaN()
	}
	type obs struct {
		v     float64
		first bool
	}
	all := make([]obs, 0, len(a)+len(b))
	for _, v := range a {
		all = append(all, obs{v, true})
	}
	for _, v := range b {
		all = append(all, obs{v, false})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].v < all[j].v })
	// Ranks from 1, ties sharing the mean of their ranks; the sum of
	// t³-t over the groups of ties corrects the variance.
	var r1, ties float64
	for i := 0; i < len(all); {
		j := i
		for j < len(all) && all[j].v == all[i].v {
			j++
		}
		rank := float64(i+j+1) / 2 // mean of ranks i+1 … j
		for k := i; k < j; k++ {
			if all[k].first {
				r1 += rank
			}
		}
		t := float64(j - i)
		ties += t*t*t - t
		i = j
	}
	u := r1 - n1*(n1+1)/2
	mean := n1 * n2 / 2
	n := n1 + n2
	variance := n1 * n2 / 12 * ((n + 1) - ties/(n*(n-1)))
	if variance <= 0 {
		return 1 // every observation equal
	}
	z := (math.Abs(u-mean) - 0.5) / math.Sqrt(variance) // with the continuity correction
	if z < 0 {
		z = 0
	}
	return math.Erfc(z / math.Sqrt2)
}

// median returns the median of xs (which it sorts).
func median(xs []float64) float64 {
	return quantile(xs, 0.5)
}

// quantile returns the q-quantile of xs (which it sorts), interpolating
// between the two nearest ranks.
func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	sort.Float64s(xs)
	pos := q * float64(len(xs)-1)
	lo := int(math.Floor(pos))
	hi := int(math.Ceil(pos))
	return xs[lo] + (xs[hi]-xs[lo])*(pos-float64(lo))
}
