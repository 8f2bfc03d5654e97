// albert-edge native ExecuTorch benchmark runner.
//
// Loads a .pte with the ExecuTorch C++ runtime (XNNPACK backend and quantized kernels are registered by the shared
// libraries' static initializers, linked with --no-as-needed), sets inputs before EVERY execute, times N runs and
// prints one JSON object on stdout. Memory is this process's own peak RSS (VmHWM), so it is the runtime's footprint
// and nothing else. Errors: one line on stderr, exit status != 0.
//
//   pte_runner MODEL.pte [--method NAME] [--seq-len L] [--threads N] [--runs N] [--warmup N]
//              [--ids 2,17,...] [--outputs] [--info] [--weight-cache on|off]
//              [--texts IDS_FILE [--buckets on|off]]
//
// --info lists methods and constant methods (max_seq_len, tokenizer_config) without running the model.
//
// --texts: real inputs, one text per line as comma-separated token ids ([CLS] ... [SEP], unpadded). Each text runs
// once (after --warmup texts), through the smallest forward_<L> that holds it (--buckets on, the default) or always
// through the longest method (--buckets off): the same choice the predictors make. latencies_ms then has one entry
// per text, "seq_lens" the length each ran at, and --outputs gives every text's logits.
//
// XNNPACK weights cache (on by default): ALBERT calls one shared layer N times; without the cache XNNPACK packs that
// layer's weights once per call site (~7 MB per pass for ALBERT-base int8). With it, packed weights are keyed by the
// named-data keys the .pte stores them under (the content's sha256, so every call site of a shared weight hits the
// same entry) and exist once per process. A runtime that does not know the option still runs; the JSON then says
// "weight_cache": false.

#include <executorch/extension/module/module.h>
#include <executorch/runtime/backend/interface.h>
#include <executorch/runtime/backend/options.h>
#include <executorch/runtime/core/evalue.h>
#include <executorch/runtime/core/exec_aten/exec_aten.h>
#include <executorch/runtime/platform/runtime.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

// The wheel ships libexecutorch_threadpool.so but not its header: declare the two entry points we call
// (non-virtual member functions: no class layout is needed to call them through a pointer).
namespace executorch::extension::threadpool {
class ThreadPool {
 public:
  bool _unsafe_reset_threadpool(uint32_t num_threads);
  size_t get_thread_count() const;
};
ThreadPool* get_threadpool();
}  // namespace executorch::extension::threadpool

using executorch::aten::ScalarType;
using executorch::aten::Tensor;
using executorch::aten::TensorImpl;
using executorch::extension::module::Module;
using executorch::runtime::Error;
using executorch::runtime::EValue;

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

[[noreturn]] void die(const std::string& msg, int code = 3) {
  std::fprintf(stderr, "pte_runner: %s\n", msg.c_str());
  std::exit(code);
}

const char* error_name(Error e) {
  switch (e) {
    case Error::Ok: return "Ok";
    case Error::Internal: return "Internal";
    case Error::InvalidState: return "InvalidState";
    case Error::EndOfMethod: return "EndOfMethod";
    case Error::NotSupported: return "NotSupported";
    case Error::NotImplemented: return "NotImplemented";
    case Error::InvalidArgument: return "InvalidArgument";
    case Error::InvalidType: return "InvalidType";
    case Error::OperatorMissing: return "OperatorMissing (a kernel library is not linked)";
    case Error::NotFound: return "NotFound";
    case Error::MemoryAllocationFailed: return "MemoryAllocationFailed";
    case Error::AccessFailed: return "AccessFailed (cannot read the file)";
    case Error::InvalidProgram: return "InvalidProgram (not a valid .pte)";
    case Error::DelegateInvalidCompatibility: return "DelegateInvalidCompatibility";
    case Error::DelegateMemoryAllocationFailed: return "DelegateMemoryAllocationFailed";
    case Error::DelegateInvalidHandle: return "DelegateInvalidHandle";
    default: return "error";
  }
}

std::string err_str(Error e) {
  std::ostringstream s;
  s << error_name(e) << " (0x" << std::hex << static_cast<int>(e) << ")";
  return s.str();
}

double status_mb(const char* key) {  // VmHWM / VmRSS from /proc/self/status, in MB (10^6 bytes)
  std::ifstream f("/proc/self/status");
  std::string line;
  const size_t n = std::strlen(key);
  while (std::getline(f, line)) {
    if (line.compare(0, n, key) == 0 && line.size() > n && line[n] == ':') {
      return std::atof(line.c_str() + n + 1) * 1024.0 / 1e6;  // kB
    }
  }
  return -1.0;
}

std::string json_escape(const std::string& s) {
  std::string o;
  for (unsigned char c : s) {
    switch (c) {
      case '"': o += "\\\""; break;
      case '\\': o += "\\\\"; break;
      case '\n': o += "\\n"; break;
      case '\r': o += "\\r"; break;
      case '\t': o += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          o += buf;
        } else {
          o += static_cast<char>(c);
        }
    }
  }
  return o;
}

const char* dtype_name(ScalarType t) {
  switch (t) {
    case ScalarType::Long: return "int64";
    case ScalarType::Int: return "int32";
    case ScalarType::Float: return "float32";
    case ScalarType::Byte: return "uint8";
    case ScalarType::Char: return "int8";
    case ScalarType::Bool: return "bool";
    case ScalarType::Half: return "float16";
    default: return "other";
  }
}

std::string num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

// One input tensor whose storage we own; ExecuTorch copies it into the method's planned memory on set_input.
struct Input {
  ScalarType dtype;
  std::vector<TensorImpl::SizesType> sizes;
  std::vector<TensorImpl::DimOrderType> dim_order;
  std::vector<TensorImpl::StridesType> strides;
  std::vector<int64_t> i64;
  std::vector<int32_t> i32;
  std::vector<float> f32;
  std::unique_ptr<TensorImpl> impl;
};

std::vector<long> parse_ids(const std::string& s) {
  std::vector<long> v;
  std::stringstream ss(s);
  std::string tok;
  while (std::getline(ss, tok, ',')) {
    if (tok.empty()) continue;
    char* end = nullptr;
    long x = std::strtol(tok.c_str(), &end, 10);
    if (*end != '\0') die("--ids: not an integer: " + tok, 2);
    v.push_back(x);
  }
  return v;
}

// Inputs from a method's own metadata: input 0 = ids, input 1 = attention mask, others zeros. `repeat`: the ids fill
// the whole length cyclically (synthetic timing input; none given: a fixed pseudo-random sequence) with a mask of
// ones; otherwise they are one text's ids, padded with 0 and masked out after its end.
std::vector<Input> make_inputs(const executorch::runtime::MethodMeta& meta, const std::string& method,
                               const std::vector<long>& ids, bool repeat) {
  const size_t n_in = meta.num_inputs();
  std::vector<Input> inputs(n_in);
  for (size_t k = 0; k < n_in; ++k) {
    auto tm = meta.input_tensor_meta(k);
    if (!tm.ok()) die("input " + std::to_string(k) + " of " + method + " is not a tensor");
    Input& in = inputs[k];
    in.dtype = tm->scalar_type();
    size_t numel = 1;
    for (auto s : tm->sizes()) {
      in.sizes.push_back(s);
      numel *= static_cast<size_t>(s);
    }
    for (auto d : tm->dim_order()) in.dim_order.push_back(d);
    in.strides.assign(in.sizes.size(), 1);
    for (int d = static_cast<int>(in.sizes.size()) - 2; d >= 0; --d) in.strides[d] = in.strides[d + 1] * in.sizes[d + 1];
    std::vector<long> vals(numel, 0);
    for (size_t j = 0; j < numel; ++j) {
      if (k == 0 && repeat) {
        vals[j] = ids.empty() ? (j == 0 ? 2 : 5 + static_cast<long>((j * 7919) % 900)) : ids[j % ids.size()];
      } else if (k == 0) {
        vals[j] = j < ids.size() ? ids[j] : 0;
      } else if (k == 1) {
        vals[j] = repeat || j < ids.size() ? 1 : 0;
      }
    }
    void* data = nullptr;
    switch (in.dtype) {
      case ScalarType::Long: in.i64.assign(vals.begin(), vals.end()); data = in.i64.data(); break;
      case ScalarType::Int: in.i32.assign(vals.begin(), vals.end()); data = in.i32.data(); break;
      case ScalarType::Float: in.f32.assign(vals.begin(), vals.end()); data = in.f32.data(); break;
      default: die(std::string("input ") + std::to_string(k) + " has unsupported dtype " + dtype_name(in.dtype));
    }
    in.impl = std::make_unique<TensorImpl>(in.dtype, static_cast<ssize_t>(in.sizes.size()), in.sizes.data(), data,
                                           in.dim_order.data(), in.strides.data());
  }
  return inputs;
}

// Asks the XNNPACK backend for its weights cache and reads the option back: an ExecuTorch that predates the option
// ignores unknown keys, so only the read-back says whether packed weights will really be shared.
bool set_weight_cache(bool on) {
  using executorch::runtime::BackendOption;
  executorch::runtime::BackendOptions<1> opts;
  if (opts.set_option("weight_cache_enabled", on) != Error::Ok) return false;
  if (executorch::runtime::set_option("XnnpackBackend", opts.view()) != Error::Ok) return false;
  BackendOption q;
  std::strncpy(q.key, "weight_cache_enabled", sizeof q.key - 1);
  q.value = -1;  // an int: left as is by a backend that does not know the key
  if (executorch::runtime::get_option("XnnpackBackend", executorch::runtime::Span<BackendOption>(&q, 1)) != Error::Ok)
    return false;
  const bool* v = std::get_if<bool>(&q.value);
  return v != nullptr && *v;
}

// The forward methods by sequence length: forward_<L> for each bucket, and forward (the longest) when it has no
// forward_<L> twin.
std::vector<std::pair<long, std::string>> forward_methods(Module& module, const std::vector<std::string>& names) {
  std::vector<std::pair<long, std::string>> by_len;
  for (const auto& n : names) {
    if (n != "forward" && n.rfind("forward_", 0) != 0) continue;
    auto m = module.method_meta(n);
    if (!m.ok() || m->num_inputs() == 0) continue;
    auto tm = m->input_tensor_meta(0);
    if (!tm.ok() || tm->sizes().empty()) continue;
    const long L = tm->sizes()[tm->sizes().size() - 1];
    bool have = false;
    for (auto& p : by_len) have = have || p.first == L;
    if (!have) by_len.emplace_back(L, n);
  }
  std::sort(by_len.begin(), by_len.end());
  return by_len;
}

int run_texts(Module& module, const std::vector<std::string>& names, const std::string& file, bool buckets,
              int warmup, bool want_outputs, Clock::time_point t_load, std::ostringstream& out) {
  std::ifstream f(file);
  if (!f) die(file + ": cannot open the --texts file", 2);
  std::vector<std::vector<long>> texts;
  std::string line;
  while (std::getline(f, line)) {
    if (!line.empty()) texts.push_back(parse_ids(line));
  }
  if (texts.empty()) die(file + ": no texts (one line of comma-separated ids per text)", 2);
  const auto methods = forward_methods(module, names);
  if (methods.empty()) die("no forward method with a fixed sequence length");
  const long longest = methods.back().first;
  std::vector<size_t> pick(texts.size());
  for (size_t t = 0; t < texts.size(); ++t) {
    if (static_cast<long>(texts[t].size()) > longest)
      die("text " + std::to_string(t + 1) + " has " + std::to_string(texts[t].size()) + " ids; the longest method "
          "takes " + std::to_string(longest) + " (truncate when tokenizing)", 2);
    size_t k = methods.size() - 1;
    if (buckets) {
      k = 0;
      while (methods[k].first < static_cast<long>(texts[t].size())) ++k;
    }
    pick[t] = k;
  }
  // Every method a text needs is loaded before timing: load time is load_ms, not part of a text's latency.
  std::vector<bool> used(methods.size(), false);
  for (size_t k : pick) used[k] = true;
  for (size_t k = 0; k < methods.size(); ++k) {
    if (!used[k]) continue;
    Error e = module.load_method(methods[k].second);
    if (e != Error::Ok) die("cannot load method '" + methods[k].second + "': " + err_str(e));
  }
  const double load_ms = ms_since(t_load);
  const double rss_after_load = status_mb("VmRSS");

  std::vector<double> lat;
  std::ostringstream outs_json;
  auto run_text = [&](size_t t, bool record) {
    const auto& m = methods[pick[t]];
    auto meta = module.method_meta(m.second);
    std::vector<Input> inputs = make_inputs(*meta, m.second, texts[t], false);
    std::vector<EValue> in_values;
    for (auto& in : inputs) in_values.emplace_back(Tensor(in.impl.get()));
    const auto t0 = Clock::now();
    auto r = module.execute(m.second, in_values);
    const double dt = ms_since(t0);
    if (!r.ok()) die("execute(" + m.second + "): " + err_str(r.error()));
    if (!record) return;
    lat.push_back(dt);
    if (want_outputs && !r->empty() && (*r)[0].isTensor() && (*r)[0].toTensor().scalar_type() == ScalarType::Float) {
      const Tensor& o = (*r)[0].toTensor();
      const float* p = o.const_data_ptr<float>();
      outs_json << (t ? "," : "") << "[";
      for (ssize_t j = 0; j < o.numel(); ++j) outs_json << (j ? "," : "") << num(p[j]);
      outs_json << "]";
    }
  };
  for (int i = 0; i < warmup; ++i) run_text(static_cast<size_t>(i) % texts.size(), false);
  for (size_t t = 0; t < texts.size(); ++t) run_text(t, true);

  out << ",\"buckets\":" << (buckets ? "true" : "false") << ",\"texts\":" << texts.size()
      << ",\"runs\":" << texts.size() << ",\"warmup\":" << warmup << ",\"load_ms\":" << num(load_ms)
      << ",\"latencies_ms\":[";
  for (size_t k = 0; k < lat.size(); ++k) out << (k ? "," : "") << num(lat[k]);
  out << "],\"seq_lens\":[";
  for (size_t t = 0; t < texts.size(); ++t) out << (t ? "," : "") << methods[pick[t]].first;
  out << "],\"rss_after_load_mb\":" << num(rss_after_load) << ",\"peak_rss_mb\":" << num(status_mb("VmHWM"));
  if (want_outputs) out << ",\"text_outputs\":[" << outs_json.str() << "]";
  out << "}";
  std::puts(out.str().c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string path, method, ids_arg, texts_path;
  long seq_len = 0;
  int threads = 1, runs = 20, warmup = 3;
  bool want_outputs = false, info_only = false, weight_cache = true, buckets = true;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) die("missing value after " + a, 2);
      return argv[++i];
    };
    if (a == "--method") method = next();
    else if (a == "--seq-len") seq_len = std::atol(next().c_str());
    else if (a == "--threads") threads = std::atoi(next().c_str());
    else if (a == "--runs") runs = std::atoi(next().c_str());
    else if (a == "--warmup") warmup = std::atoi(next().c_str());
    else if (a == "--ids") ids_arg = next();
    else if (a == "--outputs") want_outputs = true;
    else if (a == "--info") info_only = true;
    else if (a == "--texts") texts_path = next();
    else if (a == "--buckets") {
      const std::string v = next();
      if (v != "on" && v != "off") die("--buckets takes on or off, not " + v, 2);
      buckets = v == "on";
    } else if (a == "--weight-cache") {
      const std::string v = next();
      if (v != "on" && v != "off") die("--weight-cache takes on or off, not " + v, 2);
      weight_cache = v == "on";
    }
    else if (a == "-h" || a == "--help") {
      std::puts("usage: pte_runner MODEL.pte [--method NAME] [--seq-len L] [--threads N] [--runs N] [--warmup N] "
                "[--ids 2,17,...] [--outputs] [--info] [--weight-cache on|off] [--texts IDS_FILE [--buckets on|off]]");
      return 0;
    } else if (!a.empty() && a[0] == '-') die("unknown option " + a, 2);
    else path = a;
  }
  if (path.empty()) die("no .pte file given", 2);
  if (runs < 1 || warmup < 0 || threads < 1) die("--runs and --threads must be >= 1, --warmup >= 0", 2);
  {
    std::ifstream probe(path, std::ios::binary);
    if (!probe) die(path + ": cannot open");
  }

  executorch::runtime::runtime_init();
  auto* pool = executorch::extension::threadpool::get_threadpool();
  if (pool != nullptr) pool->_unsafe_reset_threadpool(static_cast<uint32_t>(threads));
  const size_t pool_threads = pool != nullptr ? pool->get_thread_count() : 1;
  const bool cache_on = set_weight_cache(weight_cache);  // before any method is loaded: it applies at delegate init

  const auto t_load = Clock::now();
  Module module(path, Module::LoadMode::Mmap);
  Error e = module.load();
  if (e != Error::Ok) die(path + ": cannot load program: " + err_str(e));
  auto names_r = module.method_names();
  if (!names_r.ok()) die("cannot list methods: " + err_str(names_r.error()));
  std::vector<std::string> names(names_r->begin(), names_r->end());
  std::sort(names.begin(), names.end());

  // Constant methods written by converters/bundle.py.
  long max_seq_len = -1;
  std::string tok_config;
  bool has_tok_config = false;
  if (std::find(names.begin(), names.end(), "max_seq_len") != names.end()) {
    auto r = module.execute("max_seq_len");
    if (r.ok() && !r->empty() && (*r)[0].isInt()) max_seq_len = static_cast<long>((*r)[0].toInt());
  }
  if (std::find(names.begin(), names.end(), "tokenizer_config") != names.end()) {
    auto r = module.execute("tokenizer_config");
    if (r.ok() && !r->empty() && (*r)[0].isTensor()) {
      const Tensor& t = (*r)[0].toTensor();
      tok_config.assign(reinterpret_cast<const char*>(t.const_data_ptr()), t.nbytes());
      has_tok_config = true;
    }
  }

  if (method.empty()) {
    method = "forward";
    if (seq_len > 0) {
      std::string m = "forward_" + std::to_string(seq_len);
      if (std::find(names.begin(), names.end(), m) != names.end()) method = m;
    }
  }
  if (std::find(names.begin(), names.end(), method) == names.end()) {
    std::string all;
    for (auto& n : names) all += (all.empty() ? "" : ", ") + n;
    die("no method '" + method + "' in " + path + " (methods: " + all + ")");
  }
  auto meta_r = module.method_meta(method);
  if (!meta_r.ok()) die("method_meta(" + method + "): " + err_str(meta_r.error()));
  auto meta = *meta_r;

  std::vector<Input> inputs = make_inputs(meta, method, parse_ids(ids_arg), true);
  const long method_seq = inputs.empty() || inputs[0].sizes.empty() ? 0 : inputs[0].sizes.back();
  std::ostringstream in_json;
  for (size_t k = 0; k < inputs.size(); ++k) {
    in_json << (k ? "," : "") << "{\"dtype\":\"" << dtype_name(inputs[k].dtype) << "\",\"shape\":[";
    for (size_t d = 0; d < inputs[k].sizes.size(); ++d) in_json << (d ? "," : "") << inputs[k].sizes[d];
    in_json << "]}";
  }

  if (seq_len > 0 && method_seq != seq_len) {
    die("--seq-len " + std::to_string(seq_len) + ": method '" + method + "' takes length " +
        std::to_string(method_seq) + " and there is no forward_" + std::to_string(seq_len));
  }

  std::ostringstream out;
  out << "{\"runner\":\"pte\",\"artifact\":\"" << json_escape(path) << "\",\"methods\":[";
  for (size_t k = 0; k < names.size(); ++k) out << (k ? "," : "") << "\"" << json_escape(names[k]) << "\"";
  out << "],\"method\":\"" << json_escape(method) << "\",\"inputs\":[" << in_json.str() << "]";
  out << ",\"seq_len\":" << method_seq << ",\"max_seq_len\":" << max_seq_len;
  if (has_tok_config) out << ",\"tokenizer_config\":\"" << json_escape(tok_config) << "\"";

  if (info_only) {
    out << ",\"peak_rss_mb\":" << num(status_mb("VmHWM")) << "}";
    std::puts(out.str().c_str());
    return 0;
  }

  out << ",\"weight_cache\":" << (cache_on ? "true" : "false") << ",\"threads\":" << threads
      << ",\"pool_threads\":" << pool_threads;
  if (!texts_path.empty()) return run_texts(module, names, texts_path, buckets, warmup, want_outputs, t_load, out);

  e = module.load_method(method);
  if (e != Error::Ok) die("cannot load method '" + method + "': " + err_str(e));
  const double load_ms = ms_since(t_load);
  const double rss_after_load = status_mb("VmRSS");

  std::vector<EValue> in_values;
  for (auto& in : inputs) in_values.emplace_back(Tensor(in.impl.get()));
  std::vector<EValue> outputs;
  auto run_once = [&]() -> double {
    const auto t0 = Clock::now();
    auto r = module.execute(method, in_values);  // sets every input, then executes
    const double dt = ms_since(t0);
    if (!r.ok()) die("execute(" + method + "): " + err_str(r.error()));
    outputs = std::move(*r);
    return dt;
  };

  const double first_run_ms = run_once();
  std::ostringstream outs_json;
  if (want_outputs) {  // outputs of the first run, for parity checks
    outs_json << ",\"outputs\":[";
    for (size_t k = 0; k < outputs.size(); ++k) {
      outs_json << (k ? "," : "") << "{";
      if (!outputs[k].isTensor()) {
        outs_json << "\"dtype\":\"non-tensor\"}";
        continue;
      }
      const Tensor& t = outputs[k].toTensor();
      outs_json << "\"dtype\":\"" << dtype_name(t.scalar_type()) << "\",\"shape\":[";
      for (ssize_t d = 0; d < t.dim(); ++d) outs_json << (d ? "," : "") << t.size(d);
      outs_json << "],\"values\":[";
      if (t.scalar_type() == ScalarType::Float) {
        const float* p = t.const_data_ptr<float>();
        for (ssize_t j = 0; j < t.numel(); ++j) outs_json << (j ? "," : "") << num(p[j]);
      }
      outs_json << "]}";
    }
    outs_json << "]";
  }
  for (int i = 0; i < warmup; ++i) run_once();
  std::vector<double> lat;
  lat.reserve(runs);
  for (int i = 0; i < runs; ++i) lat.push_back(run_once());

  out << ",\"runs\":" << runs
      << ",\"warmup\":" << warmup << ",\"load_ms\":" << num(load_ms) << ",\"first_run_ms\":" << num(first_run_ms)
      << ",\"latencies_ms\":[";
  for (size_t k = 0; k < lat.size(); ++k) out << (k ? "," : "") << num(lat[k]);
  out << "],\"rss_after_load_mb\":" << num(rss_after_load) << ",\"peak_rss_mb\":" << num(status_mb("VmHWM"))
      << outs_json.str() << "}";
  std::puts(out.str().c_str());
  return 0;
}
