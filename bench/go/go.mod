module green/bench/go

go 1.19
