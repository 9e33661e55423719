// LLM serving on the simulated machine (issue 18): requests arrive over time (a trace or a
// generator), a first-come first-served continuous batcher forms iterations (decode tokens and,
// with chunked prefill, prompt chunks beside them) under a paged KV cache, and every iteration
// runs on the cycle-level machine of `run`.
//
// The execution model of an iteration: per decoder layer, three phases with a barrier after
// each (the machine drains: every op done, every result written): the q, k and v projections of
// the batch's T new tokens, then each request's attention in turn, then the output projection and
// the MLP; after the last decoder layer, the LM head for the E tokens emitted. A phase starts on
// a drained machine and reads its inputs from the X banks (the phase before wrote them there;
// attention reads K and V from where the KV cache lives). So a phase's result (cycles, activity,
// bytes) depends only on its shapes: T for the projections and the MLP, (new tokens, context) for
// a request's attention, E for the head, and the decoder layers, which all have the same shapes,
// take the same time. With `serving.reuse` (the default) a phase already simulated with the same
// shapes is not simulated again: that is exact under this model, and serving.reuse: false (which
// simulates every phase of every decoder layer of every iteration) gives identical results, as a
// test checks. The barriers cost what draining costs: docs/serving.md measures it against one
// whole-iteration run.
//
// Attention reads a request's K and V in whole blocks (the paged cache's unit: the slots past its
// context are read and masked), so its context is rounded up to serving.kv_cache.block_tokens.
// With serving.batching.token_buckets, an iteration's token count (projections, MLP), each
// request's new tokens (attention) and the LM head's rows are padded up to a bucket, as engines that run compiled or
// captured shapes do; the padding is computed (time, energy) but not counted as useful MACs.
//
// The KV cache: bytes per token from the model (2 x layers x KV heads x head size) at the
// config's format; paged blocks of serving.kv_cache.block_tokens; a request holds the blocks of
// the tokens computed for it. When a running request needs a block and none is free, the latest
// admitted running request is preempted (its blocks freed; it recomputes its prompt and the
// tokens it generated when admitted again, as vLLM's recompute preemption does).
#pragma once

#include <string>

#include "sim/kernel/spec.h"

namespace sosasim {

// Runs the serving run of `config` (serving.model set) and writes summary.json (the machine
// metrics of `run` over every iteration, plus `serving`), layers.csv (each layer role summed over
// the run), requests.csv, iterations.csv and config.resolved.yaml into `outdir`; `timeline`: a
// Chrome/Perfetto trace of the iterations and the KV cache's occupancy ("" for none).
int run_serving(const SimConfig& config, const std::string& outdir, const std::string& timeline);

}  // namespace sosasim
