package main

import "testing"

// Reference values a C implementation must reproduce (see WORKLOADS-NOTES.md).

func TestSplitmix64Seed42(t *testing.T) {
	r := splitmix64{42}
	want := []uint64{5718434, 2474028, 1299699} // d_0..d_2 in ns
	for i, w := range want {
		if d := 1000000 + r.next()%9000001; d != w {
			t.Errorf("d_%d = %d, want %d", i, d, w)
		}
	}
}

func TestImbalanceChecksum(t *testing.T) {
	var s uint64
	for i := uint64(0); i < 100000; i++ {
		s += imbalanceTask(i)
	}
	if s != imbalanceWant100k {
		t.Errorf("checksum %d, want %d", s, uint64(imbalanceWant100k))
	}
}

func TestBinaryTrees(t *testing.T) {
	o, err := runBinaryTrees(10)
	if err != nil {
		t.Fatal(err)
	}
	if o.result != 135854 {
		t.Errorf("binary_trees 10: result %d, want 135854", o.result)
	}
}

func TestSieveSum(t *testing.T) {
	if s := sumFirstPrimes(1000); s != 3682913 {
		t.Errorf("sum of first 1000 primes %d, want 3682913", s)
	}
}
