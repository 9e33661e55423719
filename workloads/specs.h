// A workload entry of the config (plain, validated data; its schema: workloads/specs.cpp). A
// spec header includes only the kernel.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/kernel/errors.h"

namespace sosasim {

struct WorkloadEntry {
  std::string name;        // defaults to the trace's file stem
  std::string trace_path;  // resolved, absolute
  SourceLocation where;    // where the trace was named, for errors about the file
};

// One range of epochs of a training run and its number formats, each written as a trace's
// `format` column (int8, bf16, fp32, bfp:M[:B], mxfp8_e4m3, nvfp4, ...).
struct TrainingPhase {
  std::int64_t first_epoch = 1, last_epoch = 1;
  std::string format;      // every layer's ("" = the config's `format`)
  std::string first_last;  // the network's first and last layers' (forward and backward); "" = format
};

// `training`: a run of `epochs` epochs of `steps_per_epoch` training steps, one step being the
// workload's trace (forward, backward-data and backward-weight GEMMs: scripts/gen_models.py
// --training), with a format schedule (sim/training.h).
struct TrainingSpec {
  std::int64_t epochs = 0;  // 0: not a training run
  std::int64_t steps_per_epoch = 1;
  std::string schedule;                // as written
  std::vector<TrainingPhase> phases;   // in order, covering epochs 1 .. epochs
};

// A token count of generated requests: fixed (min == max) or drawn uniformly from min to max.
struct TokenRange {
  std::int64_t min = 1, max = 1;
};

// `serving`: an LLM serving run (sim/serving.h): requests over time on the simulated machine,
// continuous batching, a paged KV cache. Off while `model` is empty.
struct ServingSpec {
  std::string model;           // zoo name or config.json path (resolved); "" = not a serving run
  std::string requests;        // request trace (resolved); "" = generate them from `arrivals`
  SourceLocation where;        // where the section is, for errors about its requests
  // arrivals (when there is no request trace)
  bool poisson = true;         // false: fixed-rate arrivals
  double rate_per_s = 1;
  std::int64_t count = 100;
  TokenRange prompt_tokens{512, 512}, output_tokens{128, 128};
  std::uint64_t seed = 1;
  // batching
  std::int64_t max_batch = 64;
  std::int64_t max_batched_tokens = 2048;
  bool chunked_prefill = true;
  std::vector<std::int64_t> token_buckets;  // pad an iteration's tokens up to one of these (ascending); empty: none
  // kv_cache
  bool kv_in_sram = false;
  double kv_capacity_gib = 0;  // 0: what the location has left (DRAM after the weights; the W banks)
  std::int64_t block_tokens = 16;
  double expert_skew = 0;      // a mixture of experts' routing skew (LlmModel::expert_skew)
  bool reuse = true;           // reuse phase results (exact: sim/serving.h); false simulates every phase
};

// Parses a schedule: phases separated by ';', each "FIRST[-LAST] FORMAT [first_last FORMAT]",
// e.g. "1-89 bfp:3 first_last bfp:5; 90 bfp:5". Empty: one phase at the config's format. The
// error text (empty when valid) names the phase and what is wrong.
std::string parse_training_schedule(const std::string& text, std::int64_t epochs, std::vector<TrainingPhase>& phases);

}  // namespace sosasim
