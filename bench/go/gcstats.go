package main

import (
	"runtime"
	"runtime/metrics"
	"time"
)

// gcOut is the "gc" object of a GC workload's JSON line. All figures cover
// the workload's GC window only (see WORKLOADS-NOTES.md).
type gcOut struct {
	NumGC         uint32 `json:"num_gc"`
	PauseTotalNs  uint64 `json:"pause_total_ns"`
	PauseMaxNs    uint64 `json:"pause_max_ns"`
	PauseP50Ns    uint64 `json:"pause_p50_ns"`
	HeapPeakBytes uint64 `json:"heap_peak_bytes"`
	// PausesSeen is how many per-cycle pauses max/p50 were computed from;
	// it equals NumGC unless more than 256 cycles ended between two
	// harvests of MemStats.PauseNs (the runtime keeps only the last 256).
	PausesSeen int `json:"pauses_seen"`
}

// gcWatch measures a GC window.
//
// Pauses: MemStats.PauseNs[(k-1)%256] is cycle k's stop-the-world time with
// both STW phases (sweep termination + mark termination) summed. A sampler
// goroutine polls the cheap (non-STW) runtime/metrics counter of completed
// cycles every millisecond and, once 64 cycles are unharvested, calls
// ReadMemStats (one short STW) to copy their pauses out of the ring.
//
// Heap peak: the maximum of the heap-objects byte count (what MemStats calls
// HeapAlloc: live plus not-yet-swept objects) sampled every millisecond via
// runtime/metrics and at each harvest, including the start and the end of
// the window.
type gcWatch struct {
	base      runtime.MemStats
	harvested uint32 // NumGC up to which pauses were copied
	pauses    []int64
	heapPeak  uint64
	stopc     chan struct{}
	done      chan struct{}
}

const harvestEvery = 64

func startGCWatch() *gcWatch {
	w := &gcWatch{stopc: make(chan struct{}), done: make(chan struct{})}
	runtime.ReadMemStats(&w.base)
	w.harvested = w.base.NumGC
	w.heapPeak = w.base.HeapAlloc
	ready := make(chan struct{})
	go w.loop(ready)
	<-ready
	return w
}

func (w *gcWatch) loop(ready chan struct{}) {
	defer close(w.done)
	samples := []metrics.Sample{
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/gc/cycles/total:gc-cycles"},
	}
	t := time.NewTicker(time.Millisecond)
	defer t.Stop()
	close(ready)
	for {
		select {
		case <-w.stopc:
			return
		case <-t.C:
		}
		metrics.Read(samples)
		if samples[0].Value.Kind() == metrics.KindUint64 {
			if h := samples[0].Value.Uint64(); h > w.heapPeak {
				w.heapPeak = h
			}
		}
		if samples[1].Value.Kind() == metrics.KindUint64 &&
			samples[1].Value.Uint64() >= uint64(w.harvested)+harvestEvery {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			w.harvest(&ms)
		}
	}
}

func (w *gcWatch) harvest(ms *runtime.MemStats) {
	for k := w.harvested + 1; k <= ms.NumGC; k++ {
		if ms.NumGC-k < uint32(len(ms.PauseNs)) {
			w.pauses = append(w.pauses, int64(ms.PauseNs[(k-1)%uint32(len(ms.PauseNs))]))
		}
	}
	w.harvested = ms.NumGC
	if ms.HeapAlloc > w.heapPeak {
		w.heapPeak = ms.HeapAlloc
	}
}

// stop ends the window and returns the gc object.
func (w *gcWatch) stop() *gcOut {
	close(w.stopc)
	<-w.done
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	w.harvest(&ms)
	o := &gcOut{
		NumGC:         ms.NumGC - w.base.NumGC,
		PauseTotalNs:  ms.PauseTotalNs - w.base.PauseTotalNs,
		HeapPeakBytes: w.heapPeak,
		PausesSeen:    len(w.pauses),
	}
	for _, p := range w.pauses {
		if uint64(p) > o.PauseMaxNs {
			o.PauseMaxNs = uint64(p)
		}
	}
	o.PauseP50Ns = uint64(percentileNearestRank(w.pauses, 50))
	return o
}
