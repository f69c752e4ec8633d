module gort/bench/go

go 1.19
