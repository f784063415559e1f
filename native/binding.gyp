# The native kernels. workbook_blas: "openblas" (-DWORKBOOK_OPENBLAS, links OpenBLAS) or "portable" (only the
# matrix product of kernels.cc, no library); scripts/build-native.js picks it and passes --workbook-blas=...
{
  "variables": {
    "workbook_blas%": "openblas"
  },
  "targets": [
    {
      "target_name": "workbook_kernels",
      "sources": ["kernels.cc"],
      "cflags_cc": ["-fopenmp-simd", "-O3", "-march=native", "-ffast-math", "-std=c++17"],
      "cflags_cc!": ["-fno-exceptions"],
      "conditions": [
        ["workbook_blas=='openblas'", {
          "defines": ["WORKBOOK_OPENBLAS"],
          "libraries": ["-lopenblas"]
        }]
      ]
    }
  ]
}
