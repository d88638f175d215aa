//! The accurate model's encoder run in int8 arithmetic on CPUs with AVX-512 VNNI.
//!
//! Why it exists: run by tract in f32, the MiniLM encoder spends about 70% of its time in
//! matrix products (`perf`, 2026-11-28), and tract's own int8 path quantizes activations and
//! rescales results element by element, which cost more than the int8 products saved (see
//! `models/accurate/README.md`). Here the six linear layers of each transformer block take
//! their input quantized per row (asymmetric, 8 bits: `x ≈ scale · q + min`) and their weights
//! as stored in the ONNX file (int8, one scale per output column), multiply with `vpdpbusd`
//! (u8 × i8 → i32, 64 products an instruction), and apply both scales, the zero-point
//! correction and the bias as each tile of the result is stored. Attention's two products stay
//! in f32 (`matrixmultiply`): they are a tenth of the work and softmax needs the precision.
//!
//! The graph is not interpreted: the file must be the BERT encoder `models/teacher/` exports
//! (embeddings with a case embedding, post-LayerNorm blocks with erf GELU, linear heads), and
//! [`Int8Encoder::from_onnx`] refuses anything it cannot read as that, in which case the
//! caller runs the model through tract. The tests compare its logits with tract's.

use rustc_hash::FxHashMap as HashMap;
use tract_onnx::pb;

use crate::analysis::error::ModelError;

/// Attention heads of MiniLM-L6-H384 (`num_attention_heads` in its config).
const HEADS: usize = 12;
/// LayerNorm's epsilon in BERT's config.
const LN_EPS: f32 = 1e-12;
/// Rows of the activation matrix one kernel call multiplies (eight accumulators per column
/// panel, sixteen in all, of the 32 vector registers).
const MR: usize = 8;
/// Output columns one kernel call produces: two panels of 16 i32 lanes.
const NR: usize = 32;

/// Whether this CPU runs [`Int8Encoder`] (AVX-512 with VNNI: Intel since Ice Lake / Cascade
/// Lake, AMD since Zen 4).
pub fn supported() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("avx512vnni")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// A linear layer `y = x · W + b` with `W` (k × n) in int8, packed for the kernel: for each
/// panel of 16 columns, for each group of 4 rows, the 16 columns' 4 bytes side by side (the
/// operand layout of `vpdpbusd`).
struct Linear {
    k: usize,
    n: usize,
    packed: Vec<i8>,
    /// Scale of each output column.
    scale: Vec<f32>,
    /// Sum of each column's int8 weights: the zero-point correction (`min · Σ w`).
    col_sum: Vec<f32>,
    bias: Vec<f32>,
}

impl Linear {
    /// `q` is k × n row-major int8 with one scale per column.
    fn new(k: usize, n: usize, q: &[i8], scale: Vec<f32>, bias: Vec<f32>) -> Self {
        let mut packed = vec![0i8; k * n];
        for p in 0..n / 16 {
            for g in 0..k / 4 {
                for j in 0..16 {
                    for t in 0..4 {
                        packed[((p * (k / 4) + g) * 16 + j) * 4 + t] =
                            q[(4 * g + t) * n + 16 * p + j];
                    }
                }
            }
        }
        let col_sum = (0..n)
            .map(|c| (0..k).map(|r| q[r * n + c] as i32).sum::<i32>() as f32)
            .collect();
        Self {
            k,
            n,
            packed,
            scale,
            col_sum,
            bias,
        }
    }
}

/// Per-row quantized activations: `rows` rows (a multiple of [`MR`]) of `k` bytes.
struct Quantized {
    q: Vec<u8>,
    scale: Vec<f32>,
    min: Vec<f32>,
}

struct LayerNorm {
    gamma: Vec<f32>,
    beta: Vec<f32>,
}

struct Block {
    /// Query, key and value in one product (n = 3 × hidden).
    qkv: Linear,
    attention_out: Linear,
    attention_norm: LayerNorm,
    ffn_in: Linear,
    ffn_out: Linear,
    output_norm: LayerNorm,
}

struct Head {
    /// hidden × labels, f32 (small: not worth quantizing).
    weight: Vec<f32>,
    bias: Vec<f32>,
}

pub struct Int8Encoder {
    hidden: usize,
    /// Word embeddings as stored: int8 rows with one scale per row.
    word: Vec<i8>,
    word_scale: Vec<f32>,
    /// Position embeddings (dequantized) with the token-type-0 row and nothing else added.
    position: Vec<f32>,
    case: Vec<f32>,
    embedding_norm: LayerNorm,
    blocks: Vec<Block>,
    heads: Vec<Head>,
}

/// A weight matrix in int8 with one scale per column (or per row, for embedding tables).
struct Int8Matrix {
    dims: Vec<usize>,
    q: Vec<i8>,
    scale: Vec<f32>,
}

/// The weights of an ONNX file, by name.
struct Weights<'a> {
    init: HashMap<&'a str, &'a pb::TensorProto>,
    /// Output of each `DequantizeLinear` → its inputs and axis.
    dequantized: HashMap<&'a str, Dequantized<'a>>,
    /// Each `MatMul` node's name → its second input.
    matmul: HashMap<&'a str, &'a str>,
}

/// A `DequantizeLinear` node: `x = (q − zero) · scale`, one scale per slice along `axis`.
#[derive(Clone, Copy)]
struct Dequantized<'a> {
    q: &'a str,
    scale: &'a str,
    zero: Option<&'a str>,
    axis: i64,
}

fn bad(what: impl std::fmt::Display) -> ModelError {
    ModelError::Format(format!("int8 encoder: {what}"))
}

impl<'a> Weights<'a> {
    fn tensor(&self, name: &str) -> Result<&'a pb::TensorProto, ModelError> {
        self.init
            .get(name)
            .copied()
            .ok_or_else(|| bad(format!("no tensor {name}")))
    }

    fn dims(&self, name: &str) -> Result<Vec<usize>, ModelError> {
        Ok(self
            .tensor(name)?
            .dims
            .iter()
            .map(|&d| d.max(0) as usize)
            .collect())
    }

    /// A tensor's values, as many as its dimensions say (a file that says otherwise is
    /// refused here rather than read out of bounds later).
    fn f32s(&self, name: &str) -> Result<Vec<f32>, ModelError> {
        let t = self.tensor(name)?;
        if t.data_type != 1 {
            return Err(bad(format!("{name} is not f32")));
        }
        let values: Vec<f32> = if t.float_data.is_empty() {
            t.raw_data
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect()
        } else {
            t.float_data.clone()
        };
        self.sized(name, values)
    }

    fn i8s(&self, name: &str) -> Result<Vec<i8>, ModelError> {
        let t = self.tensor(name)?;
        if t.data_type != 3 {
            return Err(bad(format!("{name} is not int8")));
        }
        let values: Vec<i8> = if t.raw_data.is_empty() {
            t.int32_data.iter().map(|&v| v as i8).collect()
        } else {
            t.raw_data.iter().map(|&b| b as i8).collect()
        };
        self.sized(name, values)
    }

    fn sized<T>(&self, name: &str, values: Vec<T>) -> Result<Vec<T>, ModelError> {
        let expected: usize = self.dims(name)?.iter().product();
        if values.len() == expected {
            Ok(values)
        } else {
            Err(bad(format!(
                "{name} holds {} values for {expected}",
                values.len()
            )))
        }
    }

    /// The `DequantizeLinear` that yields `name`, if one does, checked to scale along `axis`
    /// (1: a scale per column; 0: per row) with no zero point but 0.
    fn dequantized(&self, name: &str, axis: i64) -> Result<Option<Dequantized<'a>>, ModelError> {
        let Some(&d) = self.dequantized.get(name) else {
            return Ok(None);
        };
        if d.axis != axis {
            return Err(bad(format!("{name} is scaled along axis {}", d.axis)));
        }
        if let Some(zero) = d.zero {
            if self.i8s(zero)?.iter().any(|&z| z != 0) {
                return Err(bad(format!("{name} has non-zero zero points")));
            }
        }
        Ok(Some(d))
    }

    /// A weight as int8 with one scale per column (per row of an embedding table, `per_row`):
    /// taken as stored behind a `DequantizeLinear`, or quantized here from f32.
    fn quantized(&self, name: &str, per_row: bool) -> Result<Int8Matrix, ModelError> {
        if let Some(d) = self.dequantized(name, if per_row { 0 } else { 1 })? {
            return Ok(Int8Matrix {
                dims: self.dims(d.q)?,
                q: self.i8s(d.q)?,
                scale: self.f32s(d.scale)?,
            });
        }
        let dims = self.dims(name)?;
        let w = self.f32s(name)?;
        let [rows, cols] = dims[..] else {
            return Err(bad(format!("{name} is not a matrix")));
        };
        let lanes = if per_row { rows } else { cols };
        let at = |lane: usize, i: usize| {
            if per_row {
                lane * cols + i
            } else {
                i * cols + lane
            }
        };
        let len = if per_row { cols } else { rows };
        let scale: Vec<f32> = (0..lanes)
            .map(|l| (0..len).map(|i| w[at(l, i)].abs()).fold(0.0, f32::max) / 127.0)
            .collect();
        let mut q = vec![0i8; rows * cols];
        for l in 0..lanes {
            for i in 0..len {
                let s = if scale[l] > 0.0 { scale[l] } else { 1.0 };
                q[at(l, i)] = (w[at(l, i)] / s).round().clamp(-127.0, 127.0) as i8;
            }
        }
        Ok(Int8Matrix { dims, q, scale })
    }

    fn dequantize(&self, name: &str) -> Result<(Vec<usize>, Vec<f32>), ModelError> {
        if let Some(d) = self.dequantized(name, 0)? {
            let dims = self.dims(d.q)?;
            let (q, s) = (self.i8s(d.q)?, self.f32s(d.scale)?);
            let cols = dims.get(1).copied().unwrap_or(1);
            if s.len() * cols != q.len() {
                return Err(bad(format!("{name}: one scale per row expected")));
            }
            return Ok((
                dims,
                q.iter()
                    .enumerate()
                    .map(|(i, &v)| v as f32 * s[i / cols])
                    .collect(),
            ));
        }
        Ok((self.dims(name)?, self.f32s(name)?))
    }

    /// The linear layer whose `MatMul` node is `node` (e.g.
    /// `/bert/encoder/layer.0/attention/self/query/MatMul`) and whose bias is `bias`.
    fn linear(&self, node: &str, bias: &str) -> Result<(Int8Matrix, Vec<f32>), ModelError> {
        let weight = self
            .matmul
            .get(node)
            .ok_or_else(|| bad(format!("no node {node}")))?;
        let m = self.quantized(weight, false)?;
        let bias = self.f32s(bias)?;
        if m.dims.len() != 2 || m.scale.len() != m.dims[1] || bias.len() != m.dims[1] {
            return Err(bad(format!("{node}: unexpected shapes")));
        }
        Ok((m, bias))
    }

    fn norm(&self, prefix: &str, hidden: usize) -> Result<LayerNorm, ModelError> {
        let gamma = self.f32s(&format!("{prefix}.weight"))?;
        let beta = self.f32s(&format!("{prefix}.bias"))?;
        if gamma.len() != hidden || beta.len() != hidden {
            return Err(bad(format!("{prefix}: unexpected width")));
        }
        Ok(LayerNorm { gamma, beta })
    }
}

impl Int8Encoder {
    /// Reads the encoder from an ONNX file exported by `models/teacher/`.
    pub fn from_onnx(onnx: &[u8]) -> Result<Self, ModelError> {
        use tract_onnx::prelude::Framework;
        let proto = tract_onnx::onnx()
            .proto_model_for_read(&mut std::io::Cursor::new(onnx))
            .map_err(bad)?;
        let graph = proto.graph.as_ref().ok_or_else(|| bad("no graph"))?;
        let mut w = Weights {
            init: graph
                .initializer
                .iter()
                .map(|t| (t.name.as_str(), t))
                .collect(),
            dequantized: HashMap::default(),
            matmul: HashMap::default(),
        };
        for node in &graph.node {
            match (node.op_type.as_str(), &node.input[..], &node.output[..]) {
                ("DequantizeLinear", [q, scale, rest @ ..], [out]) => {
                    let axis = node
                        .attribute
                        .iter()
                        .find(|a| a.name == "axis")
                        .map_or(1, |a| a.i);
                    let d = Dequantized {
                        q,
                        scale,
                        zero: rest.first().map(String::as_str),
                        axis,
                    };
                    w.dequantized.insert(out.as_str(), d);
                }
                ("MatMul", [_, weight], _) => {
                    w.matmul.insert(node.name.as_str(), weight.as_str());
                }
                _ => {}
            }
        }

        let Int8Matrix {
            dims: word_dims,
            q: word,
            scale: word_scale,
        } = w.quantized("bert.embeddings.word_embeddings.weight", true)?;
        let hidden = word_dims.get(1).copied().unwrap_or(0);
        if hidden == 0
            || !hidden.is_multiple_of(HEADS)
            || !hidden.is_multiple_of(NR)
            || word_scale.len() != word_dims[0]
        {
            return Err(bad("unexpected word-embedding shape"));
        }
        let (_, mut position) = w.dequantize("bert.embeddings.position_embeddings.weight")?;
        let token_type = w.f32s("bert.embeddings.token_type_embeddings.weight")?;
        let case = w.f32s("case.weight")?;
        if !position.len().is_multiple_of(hidden)
            || token_type.len() < hidden
            || case.len() != 4 * hidden
        {
            return Err(bad("unexpected embedding shapes"));
        }
        // Every piece has token type 0, so its row is folded into the positions once.
        for row in position.chunks_exact_mut(hidden) {
            for (p, t) in row.iter_mut().zip(&token_type[..hidden]) {
                *p += t;
            }
        }
        let embedding_norm = w.norm("bert.embeddings.LayerNorm", hidden)?;

        let mut blocks = Vec::new();
        for l in 0.. {
            let node = |part: &str| format!("/bert/encoder/layer.{l}/{part}/MatMul");
            let param = |part: &str| format!("bert.encoder.layer.{l}.{part}");
            if !w.matmul.contains_key(node("attention/self/query").as_str()) {
                break;
            }
            // Query, key and value side by side: one product, one quantization of the input.
            let mut parts = Vec::new();
            for part in ["query", "key", "value"] {
                parts.push(w.linear(
                    &node(&format!("attention/self/{part}")),
                    &param(&format!("attention.self.{part}.bias")),
                )?);
            }
            let n = 3 * hidden;
            let mut q = vec![0i8; hidden * n];
            let (mut scale, mut bias) = (Vec::new(), Vec::new());
            for (i, (m, pb)) in parts.into_iter().enumerate() {
                let Int8Matrix {
                    dims,
                    q: pq,
                    scale: ps,
                } = m;
                if dims != [hidden, hidden] {
                    return Err(bad(format!("layer {l}: unexpected attention shape")));
                }
                for r in 0..hidden {
                    q[r * n + i * hidden..r * n + (i + 1) * hidden]
                        .copy_from_slice(&pq[r * hidden..(r + 1) * hidden]);
                }
                scale.extend(ps);
                bias.extend(pb);
            }
            let qkv = Linear::new(hidden, n, &q, scale, bias);
            let linear = |part: &str, bias: &str, k: usize| -> Result<Linear, ModelError> {
                let (Int8Matrix { dims, q, scale }, bias) = w.linear(&node(part), &param(bias))?;
                if dims[0] != k || !dims[1].is_multiple_of(NR) || !k.is_multiple_of(4) {
                    return Err(bad(format!("layer {l}: unexpected shape of {part}")));
                }
                Ok(Linear::new(dims[0], dims[1], &q, scale, bias))
            };
            let attention_out = linear(
                "attention/output/dense",
                "attention.output.dense.bias",
                hidden,
            )?;
            let ffn_in = linear("intermediate/dense", "intermediate.dense.bias", hidden)?;
            let ffn_out = linear("output/dense", "output.dense.bias", ffn_in.n)?;
            if attention_out.n != hidden || ffn_out.n != hidden {
                return Err(bad(format!("layer {l}: unexpected output width")));
            }
            blocks.push(Block {
                qkv,
                attention_out,
                attention_norm: w.norm(&param("attention.output.LayerNorm"), hidden)?,
                ffn_in,
                ffn_out,
                output_norm: w.norm(&param("output.LayerNorm"), hidden)?,
            });
        }
        if blocks.is_empty() {
            return Err(bad("no encoder layers"));
        }

        // The heads, in the order of the graph's outputs: `output = MatMul(h, W) + b`.
        let mut heads = Vec::new();
        for out in &graph.output {
            let add = graph
                .node
                .iter()
                .find(|n| n.op_type == "Add" && n.output.first() == Some(&out.name))
                .ok_or_else(|| bad(format!("output {} is not a biased product", out.name)))?;
            let matmul = graph
                .node
                .iter()
                .find(|n| {
                    n.op_type == "MatMul" && n.output.first().is_some_and(|o| add.input.contains(o))
                })
                .ok_or_else(|| bad(format!("output {} has no product", out.name)))?;
            let bias_name = add
                .input
                .iter()
                .find(|i| w.init.contains_key(i.as_str()))
                .ok_or_else(|| bad(format!("output {} has no bias", out.name)))?;
            let (dims, weight) = w.dequantize(&matmul.input[1])?;
            let bias = w.f32s(bias_name)?;
            if dims.len() != 2 || dims[0] != hidden || dims[1] != bias.len() {
                return Err(bad(format!("output {}: unexpected shape", out.name)));
            }
            heads.push(Head { weight, bias });
        }

        Ok(Self {
            hidden,
            word,
            word_scale,
            position,
            case,
            embedding_norm,
            blocks,
            heads,
        })
    }

    /// How many outputs the model has (entity logits, then statement logits if present).
    pub fn heads(&self) -> usize {
        self.heads.len()
    }

    /// Runs one window of `(piece id, case id)` pairs; returns each head's logits, row-major
    /// (`pieces × labels`).
    ///
    /// # Safety of the call inside
    /// Only calls the AVX-512 code after [`supported`] said yes.
    pub fn run(&self, pieces: &[(i64, i64)]) -> Result<Vec<Vec<f32>>, ModelError> {
        if !supported() {
            return Err(bad("this CPU lacks AVX-512 VNNI"));
        }
        let max_positions = self.position.len() / self.hidden;
        if pieces.is_empty() || pieces.len() > max_positions {
            return Err(bad(format!("a window of {} pieces", pieces.len())));
        }
        let vocab = self.word_scale.len();
        if let Some(&(id, _)) = pieces
            .iter()
            .find(|&&(id, case)| id < 0 || id as usize >= vocab || !(0..4).contains(&case))
        {
            return Err(bad(format!("piece id {id} or its case is out of range")));
        }
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: `supported()` checked every feature the function enables.
            Ok(unsafe { self.run_avx512(pieces) })
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            Err(bad("this CPU lacks AVX-512 VNNI"))
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512bw,avx512vnni,avx2,fma")]
    unsafe fn run_avx512(&self, pieces: &[(i64, i64)]) -> Vec<Vec<f32>> {
        let h = self.hidden;
        let len = pieces.len();
        // Embeddings: word (int8 row × its scale) + case + position (with token type 0).
        let mut x = vec![0f32; len * h];
        for (i, &(id, case)) in pieces.iter().enumerate() {
            let (id, case) = (id as usize, case as usize);
            let s = self.word_scale[id];
            let word = &self.word[id * h..(id + 1) * h];
            let case = &self.case[case * h..(case + 1) * h];
            let pos = &self.position[i * h..(i + 1) * h];
            for (j, v) in x[i * h..(i + 1) * h].iter_mut().enumerate() {
                *v = word[j] as f32 * s + case[j] + pos[j];
            }
        }
        layer_norm(&mut x, &self.embedding_norm);

        let mut quantized = Quantized {
            q: Vec::new(),
            scale: Vec::new(),
            min: Vec::new(),
        };
        let mut qkv = vec![0f32; len * 3 * h];
        let mut context = vec![0f32; len * h];
        let mut scores = vec![0f32; len * len];
        let mut sum = vec![0f32; len * h];
        let mut inner = Vec::new();
        let d = h / HEADS;
        let scale = 1.0 / (d as f32).sqrt();
        for block in &self.blocks {
            quantize_rows(&x, h, &mut quantized);
            gemm(&quantized, len, &block.qkv, &mut qkv);
            for head in 0..HEADS {
                let (q, k, v) = (head * d, h + head * d, 2 * h + head * d);
                // scores = Q_h · K_hᵀ / √d, straight from the qkv rows by their strides.
                matrixmultiply::sgemm(
                    len,
                    d,
                    len,
                    scale,
                    qkv.as_ptr().add(q),
                    (3 * h) as isize,
                    1,
                    qkv.as_ptr().add(k),
                    1,
                    (3 * h) as isize,
                    0.0,
                    scores.as_mut_ptr(),
                    len as isize,
                    1,
                );
                for row in scores.chunks_exact_mut(len) {
                    softmax(row);
                }
                matrixmultiply::sgemm(
                    len,
                    len,
                    d,
                    1.0,
                    scores.as_ptr(),
                    len as isize,
                    1,
                    qkv.as_ptr().add(v),
                    (3 * h) as isize,
                    1,
                    0.0,
                    context.as_mut_ptr().add(head * d),
                    h as isize,
                    1,
                );
            }
            quantize_rows(&context, h, &mut quantized);
            gemm(&quantized, len, &block.attention_out, &mut sum);
            for (s, x) in sum.iter_mut().zip(&x) {
                *s += x;
            }
            layer_norm(&mut sum, &block.attention_norm);
            std::mem::swap(&mut x, &mut sum);

            inner.resize(len * block.ffn_in.n, 0.0);
            quantize_rows(&x, h, &mut quantized);
            gemm(&quantized, len, &block.ffn_in, &mut inner);
            gelu(&mut inner);
            quantize_rows(&inner, block.ffn_in.n, &mut quantized);
            gemm(&quantized, len, &block.ffn_out, &mut sum);
            for (s, x) in sum.iter_mut().zip(&x) {
                *s += x;
            }
            layer_norm(&mut sum, &block.output_norm);
            std::mem::swap(&mut x, &mut sum);
        }

        self.heads
            .iter()
            .map(|head| {
                let labels = head.bias.len();
                let mut out = vec![0f32; len * labels];
                for (row, o) in x.chunks_exact(h).zip(out.chunks_exact_mut(labels)) {
                    o.copy_from_slice(&head.bias);
                    for (k, &v) in row.iter().enumerate() {
                        for (o, w) in o.iter_mut().zip(&head.weight[k * labels..(k + 1) * labels]) {
                            *o += v * w;
                        }
                    }
                }
                out
            })
            .collect()
    }
}

/// Quantizes each row of `x` (width `k`, a multiple of 16) to u8 over its own range
/// (`x ≈ scale · q + min`), padding the rows to a multiple of [`MR`] with zeros.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512vnni,avx2,fma")]
unsafe fn quantize_rows(x: &[f32], k: usize, out: &mut Quantized) {
    use std::arch::x86_64::*;
    let rows = x.len() / k;
    let padded = rows.div_ceil(MR) * MR;
    out.q.clear();
    out.q.resize(padded * k, 0);
    out.scale.clear();
    out.scale.resize(padded, 0.0);
    out.min.clear();
    out.min.resize(padded, 0.0);
    for (r, row) in x.chunks_exact(k).enumerate() {
        let (mut lo, mut hi) = (_mm512_set1_ps(f32::MAX), _mm512_set1_ps(f32::MIN));
        for c in (0..k).step_by(16) {
            let v = _mm512_loadu_ps(row.as_ptr().add(c));
            lo = _mm512_min_ps(lo, v);
            hi = _mm512_max_ps(hi, v);
        }
        let (lo, hi) = (_mm512_reduce_min_ps(lo), _mm512_reduce_max_ps(hi));
        let scale = if hi > lo { (hi - lo) / 255.0 } else { 1.0 };
        let (min, inv) = (_mm512_set1_ps(lo), _mm512_set1_ps(1.0 / scale));
        let q = out.q.as_mut_ptr().add(r * k);
        for c in (0..k).step_by(16) {
            let v = _mm512_mul_ps(
                _mm512_sub_ps(_mm512_loadu_ps(row.as_ptr().add(c)), min),
                inv,
            );
            // Rounded to nearest, then narrowed with unsigned saturation (v is in [0, 255]).
            let bytes = _mm512_cvtusepi32_epi8(_mm512_cvtps_epi32(v));
            _mm_storeu_si128(q.add(c) as *mut __m128i, bytes);
        }
        out.scale[r] = scale;
        out.min[r] = lo;
    }
}

/// `out = dequantize(a) · W + b` for the first `rows` rows of `a`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512vnni,avx2,fma")]
#[inline(never)]
unsafe fn gemm(a: &Quantized, rows: usize, w: &Linear, out: &mut [f32]) {
    use std::arch::x86_64::*;
    let (k, n) = (w.k, w.n);
    let groups = k / 4;
    for c0 in (0..n).step_by(NR) {
        let panel0 = w.packed.as_ptr().add((c0 / 16) * groups * 64);
        let panel1 = panel0.add(groups * 64);
        for r0 in (0..rows).step_by(MR) {
            let mut acc0 = [_mm512_setzero_si512(); MR];
            let mut acc1 = [_mm512_setzero_si512(); MR];
            let a_rows = a.q.as_ptr().add(r0 * k);
            for g in 0..groups {
                let b0 = _mm512_loadu_si512(panel0.add(g * 64) as *const _);
                let b1 = _mm512_loadu_si512(panel1.add(g * 64) as *const _);
                for r in 0..MR {
                    let four = (a_rows.add(r * k + 4 * g) as *const i32).read_unaligned();
                    let av = _mm512_set1_epi32(four);
                    acc0[r] = _mm512_dpbusd_epi32(acc0[r], av, b0);
                    acc1[r] = _mm512_dpbusd_epi32(acc1[r], av, b1);
                }
            }
            // x ≈ s_a · q + min and W = s_w · q_w, so x · W = s_w · (s_a · Σ q q_w + min · Σ q_w).
            for (half, acc) in [acc0, acc1].iter().enumerate() {
                let c = c0 + 16 * half;
                let s_w = _mm512_loadu_ps(w.scale.as_ptr().add(c));
                let sum_w = _mm512_loadu_ps(w.col_sum.as_ptr().add(c));
                let bias = _mm512_loadu_ps(w.bias.as_ptr().add(c));
                for (r, acc) in acc.iter().enumerate().take(rows - r0) {
                    let s_a = _mm512_set1_ps(a.scale[r0 + r]);
                    let min = _mm512_set1_ps(a.min[r0 + r]);
                    let dot = _mm512_cvtepi32_ps(*acc);
                    let v = _mm512_fmadd_ps(min, sum_w, _mm512_mul_ps(s_a, dot));
                    let v = _mm512_fmadd_ps(v, s_w, bias);
                    _mm512_storeu_ps(out.as_mut_ptr().add((r0 + r) * n + c), v);
                }
            }
        }
    }
}

fn layer_norm(x: &mut [f32], norm: &LayerNorm) {
    let h = norm.gamma.len();
    for row in x.chunks_exact_mut(h) {
        let mean = row.iter().sum::<f32>() / h as f32;
        let var = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / h as f32;
        let inv = 1.0 / (var + LN_EPS).sqrt();
        for ((v, g), b) in row.iter_mut().zip(&norm.gamma).zip(&norm.beta) {
            *v = (*v - mean) * inv * g + b;
        }
    }
}

/// `e^x` for 16 lanes of x ≤ 0 (softmax's arguments): x = n ln 2 + r with |r| ≤ ln 2 / 2,
/// e^r by a degree-6 polynomial, 2^n by `vscalefps` (relative error under 1e-6, see the test).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn exp16(x: std::arch::x86_64::__m512) -> std::arch::x86_64::__m512 {
    use std::arch::x86_64::*;
    let x = _mm512_max_ps(x, _mm512_set1_ps(-87.0));
    let n = _mm512_roundscale_ps::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(
        _mm512_mul_ps(x, _mm512_set1_ps(std::f32::consts::LOG2_E)),
    );
    // ln 2 in two parts, so that n · ln 2 is subtracted without rounding away r.
    let r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693_359_4), x);
    let r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.121_944_4e-4), r);
    let mut p = _mm512_set1_ps(1.0 / 720.0);
    for c in [1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5, 1.0, 1.0] {
        p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(c));
    }
    _mm512_scalef_ps(p, n)
}

/// Softmax of one row of attention scores, in place.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512vnni,avx2,fma")]
unsafe fn softmax(row: &mut [f32]) {
    use std::arch::x86_64::*;
    let len = row.len();
    let ptr = row.as_mut_ptr();
    // The lanes past the row's end: masked off, read as −∞ where a maximum is taken.
    let tail = |c: usize| -> __mmask16 {
        if c + 16 <= len {
            0xffff
        } else {
            (1u16 << (len - c)) - 1
        }
    };
    let mut max = _mm512_set1_ps(f32::MIN);
    for c in (0..len).step_by(16) {
        max = _mm512_max_ps(max, _mm512_mask_loadu_ps(max, tail(c), ptr.add(c)));
    }
    let max = _mm512_set1_ps(_mm512_reduce_max_ps(max));
    let mut sum = _mm512_setzero_ps();
    for c in (0..len).step_by(16) {
        let e = exp16(_mm512_sub_ps(
            _mm512_maskz_loadu_ps(tail(c), ptr.add(c)),
            max,
        ));
        sum = _mm512_mask_add_ps(sum, tail(c), sum, e);
        _mm512_mask_storeu_ps(ptr.add(c), tail(c), e);
    }
    let inv = _mm512_set1_ps(1.0 / _mm512_reduce_add_ps(sum));
    for c in (0..len).step_by(16) {
        let v = _mm512_maskz_loadu_ps(tail(c), ptr.add(c));
        _mm512_mask_storeu_ps(ptr.add(c), tail(c), _mm512_mul_ps(v, inv));
    }
}

/// GELU with erf, as BERT computes it (`x/2 · (1 + erf(x/√2))`), in place over a slice
/// whose length is a multiple of 16. erf is Eigen's rational approximation
/// (`generic_fast_erf_float`): absolute error about 1e-7 (see the test).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512vnni,avx2,fma")]
unsafe fn gelu(v: &mut [f32]) {
    use std::arch::x86_64::*;
    const NUMERATOR: [f32; 7] = [
        -2.726_142_3e-10,
        2.770_681_4e-8,
        -2.101_024e-6,
        -5.692_506_4e-5,
        -7.349_906_3e-4,
        -2.954_6e-3,
        -1.609_603_3e-2,
    ];
    const DENOMINATOR: [f32; 5] = [
        -1.456_607_2e-5,
        -2.133_740_6e-4,
        -1.682_827e-3,
        -7.373_329e-3,
        -1.426_474e-2,
    ];
    for chunk in v.chunks_exact_mut(16) {
        let x = _mm512_loadu_ps(chunk.as_ptr());
        let z = _mm512_mul_ps(x, _mm512_set1_ps(std::f32::consts::FRAC_1_SQRT_2));
        let z = _mm512_min_ps(_mm512_max_ps(z, _mm512_set1_ps(-4.0)), _mm512_set1_ps(4.0));
        let z2 = _mm512_mul_ps(z, z);
        let mut p = _mm512_set1_ps(NUMERATOR[0]);
        for c in &NUMERATOR[1..] {
            p = _mm512_fmadd_ps(p, z2, _mm512_set1_ps(*c));
        }
        let mut q = _mm512_set1_ps(DENOMINATOR[0]);
        for c in &DENOMINATOR[1..] {
            q = _mm512_fmadd_ps(q, z2, _mm512_set1_ps(*c));
        }
        let erf = _mm512_div_ps(_mm512_mul_ps(p, z), q);
        let half_x = _mm512_mul_ps(x, _mm512_set1_ps(0.5));
        _mm512_storeu_ps(chunk.as_mut_ptr(), _mm512_fmadd_ps(half_x, erf, half_x));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gelu_and_softmax_match_the_exact_functions() {
        if !supported() {
            eprintln!("skipped: no AVX-512 VNNI on this CPU");
            return;
        }
        // GELU over [-8, 8); the exact erf by its series where that converges well, and
        // erf = ±1 (to 1e-6) beyond ±3.5 · √2 where the series would not.
        let xs: Vec<f32> = (-8000..8000).map(|i| i as f32 / 1000.0).collect();
        let mut got = xs.clone();
        // SAFETY: checked above.
        unsafe { gelu(&mut got) };
        for (&x, &g) in xs.iter().zip(&got) {
            let z = x as f64 / std::f64::consts::SQRT_2;
            let erf = if z.abs() <= 3.5 {
                taylor_erf(z)
            } else {
                z.signum()
            };
            let exact = 0.5 * x as f64 * (1.0 + erf);
            assert!(
                (g as f64 - exact).abs() < 1e-5 * (1.0 + x.abs() as f64),
                "gelu({x}) = {g}, not {exact}"
            );
        }
        // Softmax over rows of every length up to 40 (the masked tails), values down to −100.
        for len in 1..40 {
            let row: Vec<f32> = (0..len)
                .map(|i| -((i * 37 % 101) as f32) + 0.25 * i as f32)
                .collect();
            let mut got = row.clone();
            // SAFETY: checked above.
            unsafe { softmax(&mut got) };
            let max = row.iter().copied().fold(f32::MIN, f32::max) as f64;
            let total: f64 = row.iter().map(|&v| (v as f64 - max).exp()).sum();
            for (&v, &g) in row.iter().zip(&got) {
                let exact = (v as f64 - max).exp() / total;
                assert!(
                    (g as f64 - exact).abs() <= 1e-6 * exact + 1e-30,
                    "len {len}: {g} against {exact}"
                );
            }
        }
    }

    /// erf by its Taylor series in f64 (good to 1e-10 for |x| ≤ 3.5, where the terms stay
    /// small enough not to cancel).
    fn taylor_erf(x: f64) -> f64 {
        let (mut sum, mut power, mut k) = (0.0, x, 0.0);
        while k < 200.0 {
            sum += power / (2.0 * k + 1.0);
            k += 1.0;
            power *= -x * x / k;
        }
        sum * 2.0 / std::f64::consts::PI.sqrt()
    }

    /// A model file is input: what does not hold together is refused, not read out of bounds.
    #[test]
    fn malformed_weights_are_refused() {
        assert!(Int8Encoder::from_onnx(b"not an onnx file").is_err());
        let tensor = |name: &str, data_type: i32, dims: Vec<i64>, raw: Vec<u8>| pb::TensorProto {
            name: name.to_string(),
            data_type,
            dims,
            raw_data: raw,
            ..Default::default()
        };
        let tensors = [
            tensor("short", 1, vec![2, 2], vec![0; 12]),
            tensor("q", 3, vec![2, 2], vec![1; 4]),
            tensor("s", 1, vec![2], vec![0; 8]),
            tensor("z0", 3, vec![2], vec![0, 0]),
            tensor("z1", 3, vec![2], vec![0, 1]),
        ];
        let mut w = Weights {
            init: tensors.iter().map(|t| (t.name.as_str(), t)).collect(),
            dequantized: HashMap::default(),
            matmul: HashMap::default(),
        };
        let dq = |zero| Dequantized {
            q: "q",
            scale: "s",
            zero: Some(zero),
            axis: 1,
        };
        w.dequantized.insert("per_column", dq("z0"));
        w.dequantized.insert("shifted", dq("z1"));
        // Three values where the dimensions promise four.
        assert!(w.f32s("short").is_err());
        // A tensor read as another type than it holds.
        assert!(w.i8s("s").is_err());
        assert!(w.quantized("per_column", false).is_ok());
        // Per column where per row is needed, and a zero point that is not 0.
        assert!(w.quantized("per_column", true).is_err());
        assert!(w.quantized("shifted", false).is_err());
    }

    #[test]
    fn the_kernel_multiplies_like_the_definition() {
        if !supported() {
            eprintln!("skipped: no AVX-512 VNNI on this CPU");
            return;
        }
        let (rows, k, n) = (11, 64, 64);
        let weights: Vec<i8> = (0..k * n)
            .map(|i| ((i * 37 % 255) as i32 - 127) as i8)
            .collect();
        let scale: Vec<f32> = (0..n).map(|c| 0.01 + c as f32 * 1e-4).collect();
        let bias: Vec<f32> = (0..n).map(|c| c as f32 * 0.1).collect();
        let linear = Linear::new(k, n, &weights, scale.clone(), bias.clone());
        let x: Vec<f32> = (0..rows * k)
            .map(|i| ((i * 7919 % 1000) as f32 / 250.0) - 2.0)
            .collect();
        let mut quantized = Quantized {
            q: Vec::new(),
            scale: Vec::new(),
            min: Vec::new(),
        };
        let mut out = vec![0f32; rows * n];
        // SAFETY: checked above.
        unsafe {
            quantize_rows(&x, k, &mut quantized);
            gemm(&quantized, rows, &linear, &mut out);
        }
        for r in 0..rows {
            // Each value is its row's minimum plus a whole number of steps, to half a step.
            let (s_a, min) = (quantized.scale[r], quantized.min[r]);
            for i in 0..k {
                let back = s_a * quantized.q[r * k + i] as f32 + min;
                assert!((back - x[r * k + i]).abs() <= s_a * 0.501);
            }
            for c in 0..n {
                // The product of the quantized values, in f64 and by the definition.
                let exact: f64 = (0..k)
                    .map(|i| {
                        let back = s_a as f64 * quantized.q[r * k + i] as f64 + min as f64;
                        back * weights[i * n + c] as f64 * scale[c] as f64
                    })
                    .sum::<f64>()
                    + bias[c] as f64;
                let got = out[r * n + c] as f64;
                assert!(
                    (got - exact).abs() < 1e-4 * (1.0 + exact.abs()),
                    "({r}, {c}): {got} vs {exact}"
                );
            }
        }
    }
}
