module goscope.bench/gen

go 1.22
