{
  "targets": [
    {
      "target_name": "workbook_kernels",
      "sources": ["kernels.cc"],
      "libraries": ["-lopenblas"],
      "cflags_cc": ["-fopenmp-simd", "-O3", "-march=native", "-ffast-math", "-std=c++17"],
      "cflags_cc!": ["-fno-exceptions"]
    }
  ]
}
