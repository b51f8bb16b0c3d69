// collab-desk-spec-runner: measures batch-1 greedy decoding of a set of prompts in llama.cpp's own speculative loop
// (common_speculative: none, draft model, draft-mtp, n-gram) and teacher-forced perplexity, printing JSON lines.
//
// usage: collab-desk-spec-runner JOB.json [llama.cpp flags: -m, --spec-type, --spec-draft-n-max, -md, -t, ...]
// The job file says what to measure (prompts, tokens, references); the flags say how to run, with llama.cpp's own
// names and parser. Once the models are loaded ("ready"), the caller drives the run with one JSON command per line on
// stdin, so it can interleave plain and speculative passes in this one process and stop when the figures settle:
//   {"cmd":"warmup","speculative":true}           one short generation, not measured        -> "warmup"
//   {"cmd":"pass","speculative":false,"repeat":0} every prompt once (false: the plain target) -> "run"... "pass_done"
//   {"cmd":"references"}                          perplexity of the references              -> "ppl"... "references_done"
//   {"cmd":"quit"} (or the end of stdin)                                                     -> "done"

#include "arg.h"
#include "build-info.h"
#include "common.h"
#include "sampling.h"
#include "speculative.h"
#include "llama.h"
#include "log.h"
#include "ggml-backend.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <clocale>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#ifdef __linux__
#include <csignal>
#include <sys/prctl.h>
#include <unistd.h>
#endif

using json = nlohmann::ordered_json;

static void emit(const json & j) {
    std::string line = j.dump(-1, ' ', false, json::error_handler_t::replace);
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

[[noreturn]] static void fail(const std::string & message) {
    emit({{"event", "error"}, {"message", message}});
    // llama.cpp logs from a worker thread: without this its reason for the failure can be lost at exit
    common_log_flush(common_log_main());
    std::exit(1);
}

// Logit rows one decode may return while scoring references (the context's output buffer is sized for this).
static const int PPL_OUTPUTS = 64;

struct run_stats {
    int n_prompt = 0;
    double prefill_s = 0;
    double decode_s = 0;
    int n_generated = 0;
    int n_drafted = 0;
    int n_accepted = 0;
    int n_steps = 0;
    double draft_s = 0;  // time spent drafting (the draft model, MTP head or n-gram lookup)
    double verify_s = 0; // time spent decoding verify batches on the target and choosing what to keep
    std::vector<int> drafted_at;  // drafts that reached position i
    std::vector<int> accepted_at; // drafts accepted at position i
    llama_tokens tokens;
};

static void clear_memory(llama_context * ctx) {
    if (ctx) {
        llama_memory_clear(llama_get_memory(ctx), true);
    }
}

// One greedy generation of exactly n_predict new tokens (EOS ignored), following llama.cpp's speculative-simple loop.
// Greedy choice of the draft model at output row i: the argmax of its logits, and that token's probability when asked.
static llama_token draft_argmax(llama_context * ctx_dft, int i, float * prob) {
    const float * logits = llama_get_logits_ith(ctx_dft, i);
    const int n_vocab = llama_vocab_n_tokens(llama_model_get_vocab(llama_get_model(ctx_dft)));
    int best = 0;
    for (int v = 1; v < n_vocab; ++v) {
        if (logits[v] > logits[best]) best = v;
    }
    if (prob) {
        double sum = 0;
        for (int v = 0; v < n_vocab; ++v) sum += std::exp((double) logits[v] - logits[best]);
        *prob = (float) (1.0 / sum);
    }
    return best;
}

// With `speculate` false the same loop decodes the plain target, one token per step: the reference a speculative pass
// is measured against, under the very same settings, threads and loaded weights.
static run_stats generate(common_params & params, llama_context * ctx_tgt, llama_context * ctx_dft, const std::string & prompt, int n_predict, bool kept_cache, bool draft_on_cpu, bool speculate) {
    run_stats st;
    const llama_seq_id seq_id = 0;
    if (!speculate) {
        ctx_dft = nullptr; // the plain target: the draft's cache is neither used nor touched
    }
    clear_memory(ctx_tgt);
    clear_memory(ctx_dft);

    llama_tokens inp = common_tokenize(ctx_tgt, prompt, true, true);
    if (inp.size() < 2) {
        fail("a prompt must tokenize to at least 2 tokens");
    }
    if ((int) inp.size() + n_predict + 2 > (int) llama_n_ctx(ctx_tgt)) {
        fail("prompt (" + std::to_string(inp.size()) + " tokens) + " + std::to_string(n_predict) +
             " new tokens do not fit the context (" + std::to_string(llama_n_ctx(ctx_tgt)) + "); raise -c");
    }
    if (llama_n_batch(ctx_tgt) < (uint32_t) inp.size()) {
        fail("the prompt is longer than the batch size; raise -b");
    }
    st.n_prompt = (int) inp.size();

    const bool use_ckpt_tgt = common_context_can_seq_rm(ctx_tgt) == COMMON_CONTEXT_SEQ_RM_TYPE_FULL;
    const bool use_ckpt_dft = ctx_dft && common_context_can_seq_rm(ctx_dft) == COMMON_CONTEXT_SEQ_RM_TYPE_FULL;

    // A fresh speculator and sampler per generation: nothing (n-gram caches included) carries over between runs.
    common_sampler_ptr smpl(common_sampler_init(llama_get_model(ctx_tgt), params.sampling));
    const bool speculative = speculate && std::any_of(params.speculative.types.begin(), params.speculative.types.end(),
                                                      [](common_speculative_type t) { return t != COMMON_SPECULATIVE_TYPE_NONE; });
    // The kept-cache draft loop (draft models only): common_speculative's draft-simple drops the draft's cache of the
    // tokens it drafted and decodes the whole verify batch on the draft again; keeping that cache and trimming only
    // the rejected tail does the same work minus that second pass.
    const bool kept = kept_cache && ctx_dft && !use_ckpt_tgt && !use_ckpt_dft &&
                      std::all_of(params.speculative.types.begin(), params.speculative.types.end(), [](common_speculative_type t) {
                          return t == COMMON_SPECULATIVE_TYPE_NONE || t == COMMON_SPECULATIVE_TYPE_DRAFT_SIMPLE;
                      });
    common_speculative * spec = speculative && !kept ? common_speculative_init(params.speculative, 1) : nullptr;
    if (speculative && !kept && spec == nullptr) {
        fail("failed to initialize speculative decoding for these settings");
    }

    const int64_t t0 = ggml_time_us();
    llama_batch batch_prompt = llama_batch_init(inp.size(), 0, 1);
    for (size_t i = 0; i < inp.size() - 1; ++i) {
        common_batch_add(batch_prompt, inp[i], i, { seq_id }, false);
    }
    if (llama_decode(ctx_tgt, batch_prompt) != 0) {
        fail("llama_decode failed on the prompt");
    }
    if (spec && !common_speculative_process(spec, batch_prompt)) {
        fail("the speculator failed to process the prompt");
    }
    if (kept && llama_decode(ctx_dft, batch_prompt) != 0) {
        fail("llama_decode failed on the prompt (draft model)");
    }
    llama_batch_free(batch_prompt);
    llama_synchronize(ctx_tgt);
    const int64_t t1 = ggml_time_us();

    llama_token id_last = inp.back();
    llama_tokens prompt_tgt(inp.begin(), inp.end() - 1);
    prompt_tgt.reserve(llama_n_ctx(ctx_tgt));
    int n_past = (int) inp.size() - 1;
    if (spec) {
        common_speculative_begin(spec, seq_id, prompt_tgt);
    }

    llama_batch batch_tgt = llama_batch_init(llama_n_batch(ctx_tgt), 0, 1);
    llama_batch batch_dft = llama_batch_init(llama_n_batch(ctx_tgt), 0, 1);
    llama_tokens draft;
    common_prompt_checkpoint ckpt;
    int draft_valid = n_past;  // kept-cache loop: positions [0, draft_valid) of the draft's cache hold committed tokens
    int drafted_upto = n_past; // ... and [0, drafted_upto) are filled after this step's drafting

    while (st.n_generated < n_predict) {
        const int64_t t_draft = ggml_time_us();
        if (draft.empty() && spec) {
            ckpt.update_pos(prompt_tgt.size(),
                            llama_memory_seq_pos_min(llama_get_memory(ctx_tgt), seq_id),
                            llama_memory_seq_pos_max(llama_get_memory(ctx_tgt), seq_id));
            if (use_ckpt_dft) {
                ckpt.update_dft(ctx_dft, seq_id, LLAMA_STATE_SEQ_FLAGS_PARTIAL_ONLY);
            }
            // never draft past the tokens still to generate: the run makes exactly n_predict tokens
            int n_draft_max = std::min((int) llama_n_ctx(ctx_tgt) - n_past - 2, n_predict - st.n_generated - 1);
            n_draft_max = std::max(n_draft_max, 0);
            common_speculative_get_draft_params(spec, seq_id) = {
                /* .drafting = */ true,
                /* .n_max    = */ n_draft_max,
                /* .pos0     = */ n_past,
                /* .id_last  = */ id_last,
                /* .prompt   = */ &prompt_tgt,
                /* .result   = */ &draft,
            };
            common_speculative_draft(spec);
            // a drafter may propose more than asked; the surplus would run past the token budget
            if ((int) draft.size() > n_draft_max) {
                draft.resize(n_draft_max);
            }
            if (!draft.empty() && use_ckpt_tgt) {
                ckpt.update_tgt(ctx_tgt, seq_id, LLAMA_STATE_SEQ_FLAGS_PARTIAL_ONLY);
            }
            if (ctx_dft) {
                if (use_ckpt_dft) {
                    ckpt.load_dft(ctx_dft, seq_id, LLAMA_STATE_SEQ_FLAGS_PARTIAL_ONLY);
                }
                llama_memory_seq_rm(llama_get_memory(ctx_dft), seq_id, ckpt.pos_max + 1, -1);
            }
        } else if (draft.empty() && kept) {
            drafted_upto = draft_valid;
            const int budget = std::max(0, std::min(params.speculative.draft.n_max, n_predict - st.n_generated - 1));
            if (budget > 0) {
                // catch the draft up with committed tokens it has not seen (after a fully accepted draft: its last
                // token), then draft greedily from id_last. On a CPU a batch of 2 tokens costs ~4 single decodes
                // (measured on the bench pair: 19.4 ms vs 4.8 ms), so there the catch-up goes one token at a time.
                common_batch_clear(batch_dft);
                for (int i = draft_valid; i < n_past; ++i) {
                    common_batch_add(batch_dft, prompt_tgt[i], i, { seq_id }, false);
                    if (draft_on_cpu) {
                        if (llama_decode(ctx_dft, batch_dft) != 0) {
                            fail("llama_decode failed while catching the draft up");
                        }
                        common_batch_clear(batch_dft);
                    }
                }
                common_batch_add(batch_dft, id_last, n_past, { seq_id }, true);
                for (int i = 0; i < budget; ++i) {
                    if (llama_decode(ctx_dft, batch_dft) != 0) {
                        fail("llama_decode failed while drafting");
                    }
                    drafted_upto = batch_dft.pos[batch_dft.n_tokens - 1] + 1;
                    float prob = 1.0f;
                    const llama_token next = draft_argmax(ctx_dft, batch_dft.n_tokens - 1, params.speculative.draft.p_min > 0 ? &prob : nullptr);
                    if (prob < params.speculative.draft.p_min) break;
                    draft.push_back(next);
                    if (i + 1 == budget) break;
                    common_batch_clear(batch_dft);
                    common_batch_add(batch_dft, next, n_past + 1 + i, { seq_id }, true);
                }
                if ((int) draft.size() < params.speculative.draft.n_min) {
                    draft.clear();
                }
            }
        }

        const int64_t t_verify = ggml_time_us();
        st.draft_s += (t_verify - t_draft) / 1e6;
        common_batch_clear(batch_tgt);
        common_batch_add(batch_tgt, id_last, n_past++, { seq_id }, true);
        for (size_t i = 0; i < draft.size(); ++i) {
            common_batch_add(batch_tgt, draft[i], n_past + i, { seq_id }, true);
        }
        if (llama_decode(ctx_tgt, batch_tgt) != 0) {
            fail("llama_decode failed while verifying a draft");
        }
        if (spec && !common_speculative_process(spec, batch_tgt)) {
            fail("the speculator failed to process a verify batch");
        }

        common_sampler_ptr smpl_save;
        if (use_ckpt_tgt) {
            smpl_save.reset(common_sampler_clone(smpl.get()));
        }
        const size_t n_draft = draft.size();
        auto ids = common_sampler_sample_and_accept_n(smpl.get(), ctx_tgt, draft);

        if (use_ckpt_tgt && ids.size() - 1 < n_draft) {
            // partial acceptance on a context that cannot drop a suffix: restore and re-run the accepted part
            draft = std::move(ids);
            ckpt.load_tgt(ctx_tgt, seq_id, LLAMA_STATE_SEQ_FLAGS_PARTIAL_ONLY);
            llama_memory_seq_rm(llama_get_memory(ctx_tgt), seq_id, ckpt.pos_max + 1, -1);
            if (ctx_dft) {
                ckpt.load_dft(ctx_dft, seq_id, LLAMA_STATE_SEQ_FLAGS_PARTIAL_ONLY);
                llama_memory_seq_rm(llama_get_memory(ctx_dft), seq_id, ckpt.pos_max + 1, -1);
            }
            prompt_tgt.resize(ckpt.n_tokens);
            smpl = std::move(smpl_save);
            n_past = (int) prompt_tgt.size();
            continue;
        }

        const int n_acc = (int) ids.size() - 1;
        if (spec) {
            common_speculative_accept(spec, seq_id, (uint16_t) n_acc);
        }
        st.verify_s += (ggml_time_us() - t_verify) / 1e6;
        st.n_steps++;
        if (n_draft > 0) {
            if (st.drafted_at.size() < n_draft) {
                st.drafted_at.resize(n_draft, 0);
                st.accepted_at.resize(n_draft, 0);
            }
            for (size_t i = 0; i < n_draft; ++i) st.drafted_at[i]++;
            for (int i = 0; i < n_acc; ++i) st.accepted_at[i]++;
        }
        n_past += n_acc;
        st.n_drafted += (int) n_draft;
        st.n_accepted += n_acc;
        for (size_t i = 0; i < ids.size(); ++i) {
            prompt_tgt.push_back(id_last);
            id_last = ids[i];
            st.tokens.push_back(id_last);
        }
        st.n_generated += (int) ids.size();
        draft.clear();
        llama_memory_seq_rm(llama_get_memory(ctx_tgt), seq_id, n_past, -1);
        if (ctx_dft) {
            llama_memory_seq_rm(llama_get_memory(ctx_dft), seq_id, n_past, -1);
        }
        if (kept) {
            // what the draft cached and the target accepted (a fully accepted draft's last token was never decoded)
            draft_valid = std::min(n_past, drafted_upto);
        }
    }
    llama_synchronize(ctx_tgt);
    const int64_t t2 = ggml_time_us();
    st.prefill_s = (t1 - t0) / 1e6;
    st.decode_s = (t2 - t1) / 1e6;

    llama_batch_free(batch_tgt);
    llama_batch_free(batch_dft);
    if (spec) {
        common_speculative_free(spec);
    }
    return st;
}

// Teacher-forced negative log-likelihood of `reference` after `prompt`: the sum over reference tokens, and their count.
static std::pair<double, int> reference_nll(llama_context * ctx, const std::string & prompt, const std::string & reference) {
    clear_memory(ctx);
    llama_tokens p = common_tokenize(ctx, prompt, true, true);
    llama_tokens r = common_tokenize(ctx, reference, false, true);
    if (r.empty()) return {0.0, 0};
    llama_tokens all = p;
    all.insert(all.end(), r.begin(), r.end());
    if ((int) all.size() > (int) llama_n_ctx(ctx)) {
        fail("a reference (" + std::to_string(all.size()) + " tokens with its prompt) does not fit the context; raise -c");
    }
    const int n_vocab = llama_vocab_n_tokens(llama_model_get_vocab(llama_get_model(ctx)));
    const int first = (int) p.size() - 1; // logits at position i predict token i+1
    const int n_batch = (int) llama_n_batch(ctx);
    double nll = 0;
    int n = 0;
    llama_batch batch = llama_batch_init(n_batch, 0, 1);
    auto wants_logits = [&](int i) { return i >= first && i + 1 < (int) all.size(); };
    for (int start = 0; start < (int) all.size();) {
        // a batch holds at most n_batch tokens and PPL_OUTPUTS positions with logits (the context's output buffer)
        common_batch_clear(batch);
        int end = start, outputs = 0;
        while (end < (int) all.size() && end - start < n_batch && !(wants_logits(end) && outputs == PPL_OUTPUTS)) {
            outputs += wants_logits(end) ? 1 : 0;
            common_batch_add(batch, all[end], end, { 0 }, wants_logits(end));
            end++;
        }
        if (llama_decode(ctx, batch) != 0) {
            fail("llama_decode failed while scoring a reference");
        }
        for (int i = start; i < end; ++i) {
            if (!wants_logits(i)) continue;
            const float * logits = llama_get_logits_ith(ctx, i - start);
            double mx = logits[0];
            for (int v = 1; v < n_vocab; ++v) mx = std::max(mx, (double) logits[v]);
            double sum = 0;
            for (int v = 0; v < n_vocab; ++v) sum += std::exp((double) logits[v] - mx);
            nll += -(((double) logits[all[i + 1]] - mx) - std::log(sum));
            n++;
        }
        start = end;
    }
    llama_batch_free(batch);
    return {nll, n};
}

static json device_list() {
    json devices = json::array();
    for (size_t i = 0; i < ggml_backend_dev_count(); ++i) {
        ggml_backend_dev_t dev = ggml_backend_dev_get(i);
        size_t free = 0, total = 0;
        ggml_backend_dev_memory(dev, &free, &total);
        const char * type = "other";
        switch (ggml_backend_dev_type(dev)) {
            case GGML_BACKEND_DEVICE_TYPE_CPU:   type = "cpu"; break;
            case GGML_BACKEND_DEVICE_TYPE_GPU:   type = "gpu"; break;
            case GGML_BACKEND_DEVICE_TYPE_IGPU:  type = "igpu"; break;
            default: break;
        }
        devices.push_back({
            {"name", ggml_backend_dev_name(dev)},
            {"description", ggml_backend_dev_description(dev)},
            {"type", type},
            {"backend", ggml_backend_reg_name(ggml_backend_dev_backend_reg(dev))},
            {"memory_total", total},
            {"memory_free", free},
        });
    }
    return devices;
}

// A bench process must never outlive the hub that started it: an orphan would keep the GPU (and its lease's
// promise of exclusivity) busy with nobody to read its results. The kernel kills us with the parent; a parent
// that died before this line ran is caught by checking who our parent is now (see main).
static void die_with_parent() {
#ifdef __linux__
    prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
}

// True when the process that spawned us is gone. The job names its spawner's pid when it can: a hub running as
// pid 1 (a container's init) is then not mistaken for init adopting an orphan.
static bool parent_is_gone(const json & job) {
#ifdef __linux__
    const long spawner = job.value("parent_pid", 0L);
    return spawner > 0 ? (long) getppid() != spawner : getppid() == 1;
#else
    (void) job;
    return false;
#endif
}

int main(int argc, char ** argv) {
    die_with_parent();
    std::setlocale(LC_NUMERIC, "C");
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s JOB.json [llama.cpp flags]\n", argv[0]);
        return 2;
    }
    json job;
    {
        std::ifstream in(argv[1]);
        if (!in) fail(std::string("cannot read the job file ") + argv[1]);
        try {
            in >> job;
        } catch (const std::exception & e) {
            fail(std::string("the job file is not valid JSON: ") + e.what());
        }
    }
    if (parent_is_gone(job)) {
        return 1;
    }
    // llama.cpp parses its own flags; argv[1] (the job) is taken out first.
    std::vector<char *> args;
    args.push_back(argv[0]);
    for (int i = 2; i < argc; ++i) args.push_back(argv[i]);

    common_params params;
    common_init();
    if (!common_params_parse((int) args.size(), args.data(), params, LLAMA_EXAMPLE_SPECULATIVE)) {
        fail("llama.cpp refused the run flags (see stderr)");
    }
    const auto output_limits = common_speculative_get_output_limits(params.n_batch, params.n_parallel, common_speculative_n_max(&params.speculative));
    params.n_outputs_max = output_limits.total;
    params.n_outputs_max_per_seq = output_limits.per_seq;
    if (job.contains("references")) {
        params.n_outputs_max = std::max(params.n_outputs_max, PPL_OUTPUTS);
        params.n_outputs_max_per_seq = std::max(params.n_outputs_max_per_seq, PPL_OUTPUTS);
    }

    const std::string backends_dir = job.value("backends_dir", std::string());
    if (!backends_dir.empty()) {
        ggml_backend_load_all_from_path(backends_dir.c_str());
    }
    llama_backend_init();
    llama_numa_init(params.numa);

    auto init_tgt = common_init_from_params(params);
    llama_model * model_tgt = init_tgt->model();
    llama_context * ctx_tgt = init_tgt->context();
    if (model_tgt == nullptr) {
        fail("failed to load the target model " + params.model.path);
    }
    if (ctx_tgt == nullptr) {
        // the model loaded: the settings (context size, cache types, flash attention) are what llama.cpp refused
        fail("llama.cpp could not create the target model's context with these settings");
    }
    common_speculative_init_result_ptr spec_init;
    {
        common_params params_dft = common_base_params_to_speculative(params);
        spec_init = common_speculative_init_from_params(params_dft, model_tgt, ctx_tgt);
        params.speculative.draft.ctx_tgt = ctx_tgt;
        params.speculative.draft.ctx_dft = spec_init->context();
    }
    llama_context * ctx_dft = params.speculative.draft.ctx_dft;
    if (params.speculative.has_dft() && ctx_dft == nullptr) {
        fail("failed to load the draft model " + params.speculative.draft.mparams.path);
    }

    char model_desc[256] = {0};
    llama_model_desc(model_tgt, model_desc, sizeof(model_desc));
    emit({
        {"event", "ready"},
        {"llama_build", llama_build_number()},
        {"llama_commit", llama_commit()},
        {"llama_build_info", llama_build_info()},
        {"system_info", llama_print_system_info()},
        {"devices", device_list()},
        {"model", model_desc},
        {"model_params", llama_model_n_params(model_tgt)},
        {"model_bytes", llama_model_size(model_tgt)},
        {"n_ctx", llama_n_ctx(ctx_tgt)},
        {"n_batch", llama_n_batch(ctx_tgt)},
        {"n_ubatch", llama_n_ubatch(ctx_tgt)},
        {"n_threads", llama_n_threads(ctx_tgt)},
        {"n_threads_batch", llama_n_threads_batch(ctx_tgt)},
        {"spec_types", common_speculative_type_name_str(params.speculative.types)},
        {"draft_n_max", common_speculative_n_max(&params.speculative)},
        {"has_draft_model", ctx_dft != nullptr},
    });

    const int n_predict = job.value("n_predict", 64);
    // "kept-cache" (default) or "common": who drafts with a draft model (see generate()).
    const bool kept_cache = job.value("draft_loop", std::string("kept-cache")) == "kept-cache";
    bool any_gpu = false;
    for (size_t i = 0; i < ggml_backend_dev_count(); ++i) {
        const auto type = ggml_backend_dev_type(ggml_backend_dev_get(i));
        any_gpu = any_gpu || type == GGML_BACKEND_DEVICE_TYPE_GPU || type == GGML_BACKEND_DEVICE_TYPE_IGPU;
    }
    const bool draft_on_cpu = !any_gpu || params.speculative.draft.n_gpu_layers == 0;
    const std::vector<std::string> prompts = job.value("prompts", std::vector<std::string>());
    // The generated text, for callers that score it (accuracy probe, calibration). Off by default: a measured run
    // of private prompts has no reason to carry their outputs anywhere.
    const bool texts = job.value("texts", false);

    const bool can_speculate = std::any_of(params.speculative.types.begin(), params.speculative.types.end(),
                                           [](common_speculative_type t) { return t != COMMON_SPECULATIVE_TYPE_NONE; });
    std::string line;
    int n_warmup = 0;
    while (std::getline(std::cin, line)) {
        if (line.empty()) continue;
        json cmd;
        try {
            cmd = json::parse(line);
        } catch (const std::exception & e) {
            fail(std::string("a command is not valid JSON: ") + e.what());
        }
        const std::string name = cmd.value("cmd", std::string());
        const bool speculate = cmd.value("speculative", true) && can_speculate;
        if (name == "quit") {
            break;
        } else if (name == "warmup") {
            if (prompts.empty()) fail("no prompts to warm up on");
            run_stats st = generate(params, ctx_tgt, ctx_dft, prompts[0], std::min(n_predict, 16), kept_cache, draft_on_cpu, speculate);
            emit({{"event", "warmup"}, {"index", n_warmup++}, {"speculative", speculate}, {"decode_s", st.decode_s}});
        } else if (name == "pass") {
            const int r = cmd.value("repeat", 0);
            for (size_t p = 0; p < prompts.size(); ++p) {
                run_stats st = generate(params, ctx_tgt, ctx_dft, prompts[p], n_predict, kept_cache, draft_on_cpu, speculate);
                json run = {
                    {"event", "run"}, {"prompt", p}, {"repeat", r}, {"pass", speculate ? "spec" : "plain"},
                    {"n_prompt", st.n_prompt}, {"prefill_s", st.prefill_s}, {"decode_s", st.decode_s},
                    {"draft_s", st.draft_s}, {"verify_s", st.verify_s},
                    {"n_generated", st.n_generated}, {"n_steps", st.n_steps},
                    {"n_drafted", st.n_drafted}, {"n_accepted", st.n_accepted},
                    {"drafted_at", st.drafted_at}, {"accepted_at", st.accepted_at},
                    {"tokens", st.tokens},
                };
                if (texts) {
                    // llama.cpp's default rendering: special tokens as their text; a SentencePiece vocab's leading space is
                    // dropped, since its tokenizer adds it back (a reference made of this text re-tokenizes to these tokens)
                    run["text"] = common_detokenize(ctx_tgt, st.tokens, true);
                }
                emit(run);
            }
            emit({{"event", "pass_done"}, {"repeat", r}, {"pass", speculate ? "spec" : "plain"}});
        } else if (name == "references") {
            size_t i = 0;
            for (const auto & ref : job.value("references", json::array())) {
                auto [nll, n] = reference_nll(ctx_tgt, ref.value("prompt", std::string()), ref.value("reference", std::string()));
                emit({{"event", "ppl"}, {"index", i++}, {"nll", nll}, {"n", n}});
            }
            emit({{"event", "references_done"}});
        } else {
            fail("unknown command \"" + name + "\"");
        }
    }

    emit({{"event", "done"}});
    spec_init.reset();
    llama_backend_free();
    return 0;
}
