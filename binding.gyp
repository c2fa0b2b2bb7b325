{
  "variables": {
    "tf_cflags": ["-O3", "-std=gnu++17", "-fPIC", "-fexceptions", "-fno-math-errno",
                  "-ffp-contract=fast", "-Wall", "-Wno-unused-function"]
  },
  "target_defaults": {
    "cflags!": ["-fno-exceptions"],
    "cflags_cc!": ["-fno-exceptions", "-std=gnu++14", "-std=gnu++17", "-std=gnu++20"],
    "include_dirs": ["native", "native/include"]
  },
  "targets": [
    {
      "target_name": "tf_cpu_generic",
      "type": "static_library",
      "sources": ["<!@(node tools/build/sources.js cpu generic)"],
      "defines": ["TF_ISA=generic"],
      "cflags_cc": ["<@(tf_cflags)"]
    },
    {
      "target_name": "tf_cpu_avx2",
      "type": "static_library",
      "sources": ["<!@(node tools/build/sources.js cpu avx2)"],
      "defines": ["TF_ISA=avx2"],
      "cflags_cc": ["<@(tf_cflags)", "-mavx2", "-mfma", "-mf16c", "-mbmi2"]
    },
    {
      "target_name": "tf_cpu_avx512",
      "type": "static_library",
      "sources": ["<!@(node tools/build/sources.js cpu avx512)"],
      "defines": ["TF_ISA=avx512"],
      "cflags_cc": ["<@(tf_cflags)", "-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512dq",
                    "-mavx2", "-mfma", "-mf16c", "-mbmi2", "-mprefer-vector-width=512"]
    },
    {
      "target_name": "tf_cpu_avx512_amx",
      "type": "static_library",
      "sources": ["<!@(node tools/build/sources.js cpu amx)"],
      "defines": ["TF_ISA=avx512"],
      "dependencies": ["tf_cpu_avx512"],
      "cflags_cc": ["<@(tf_cflags)", "-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512dq",
                    "-mavx2", "-mfma", "-mf16c", "-mbmi2", "-mprefer-vector-width=512",
                    "-mavx512bf16", "-mamx-tile", "-mamx-bf16"]
    },
    {
      "target_name": "tensorforge",
      "sources": ["<!@(node tools/build/sources.js addon)"],
      "dependencies": ["tf_cpu_generic", "tf_cpu_avx2", "tf_cpu_avx512_amx", "tf_cpu_avx512",
                       "<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"],
      "cflags_cc": ["<@(tf_cflags)"],
      "ldflags": ["-pthread"]
    }
  ]
}
