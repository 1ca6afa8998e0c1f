"""GPU encoding throughput: plain sentence-transformers against insightkit's optimised CUDA path.

Issue 7's reference: on an H100, plain sentence-transformers in fp16 with batch 512 encodes about
11,600 texts a second at 90 characters and 6,000 at 300 characters; tokenisation and host overhead
dominate. The target for ``Embedder(device="cuda")`` (fp16, length buckets, tokenisation in
parallel threads ahead of the GPU, pinned host memory) is at least twice that.

Both are measured here in the same process on the same texts (synthetic, recombined from the
labelled corpus and cut to the target length), after a warm-up, with the GPU synchronised before
the clock stops. The script also checks that the two give the same vectors (cosine > 0.999).

    python benchmarks/gpu_encode.py [--n 50000] [--lengths 90 300] [--batch 512]

Needs a CUDA GPU; without one it says so and exits with code 3 (nothing is written).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))


def texts_of_length(n: int, chars: int, seed: int = 0) -> list[str]:
    from synth import synthetic_texts

    pool = synthetic_texts(max(2000, n // 10), seed)
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        t = pool[i % len(pool)]
        while len(t) < chars:
            t = t + " " + pool[int(rng.integers(len(pool)))]
        # vary lengths around the target (+-30%) like real answers, cut at a word boundary
        target = int(chars * rng.uniform(0.7, 1.3))
        cut = t[:target].rsplit(" ", 1)[0] if len(t) > target else t
        out.append(cut)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=50_000)
    ap.add_argument("--lengths", type=int, nargs="+", default=[90, 300])
    ap.add_argument("--batch", type=int, default=512)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "gpu_encode.json"))
    args = ap.parse_args()

    import torch

    if not torch.cuda.is_available():
        print("gpu_encode: no CUDA GPU available; nothing measured", file=sys.stderr)
        return 3
    from sentence_transformers import SentenceTransformer

    import insightkit
    from insightkit.embed import Embedder, default_encoder_path

    plain = SentenceTransformer(str(default_encoder_path()), device="cuda", local_files_only=True).half()
    fast = Embedder(device="cuda", batch_size=args.batch, cache_dir=False)

    def run_plain(texts):
        v = plain.encode(texts, batch_size=args.batch, convert_to_numpy=True, normalize_embeddings=True)
        torch.cuda.synchronize()
        return v

    def run_fast(texts):
        v = fast.encode_uncached(texts)  # no cache: time the encoder, not the cache
        torch.cuda.synchronize()
        return v

    rows = []
    for chars in args.lengths:
        texts = texts_of_length(args.n, chars)
        warm = texts[: min(4096, len(texts))]
        run_plain(warm), run_fast(warm)
        res = {"chars_target": chars, "chars_mean": round(float(np.mean([len(t) for t in texts])), 1), "n": len(texts)}
        for name, fn in (("sentence_transformers_fp16", run_plain), ("insightkit_cuda", run_fast)):
            best = None
            for _ in range(3):
                t0 = time.perf_counter()
                v = fn(texts)
                dt = time.perf_counter() - t0
                best = dt if best is None else min(best, dt)
            res[name] = {"seconds": round(best, 3), "texts_per_second": round(len(texts) / best, 1)}
            res[f"_{name}_vectors"] = v
        a, b = res.pop("_sentence_transformers_fp16_vectors"), res.pop("_insightkit_cuda_vectors")
        res["min_cosine_between_paths"] = round(float(np.min(np.sum(a * b, axis=1))), 5)
        res["speedup"] = round(res["insightkit_cuda"]["texts_per_second"]
                               / res["sentence_transformers_fp16"]["texts_per_second"], 2)
        rows.append(res)
        print(json.dumps(res))

    out = {
        "benchmark": "gpu_encode",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"gpu": torch.cuda.get_device_name(0), "cpu_count": __import__("os").cpu_count(),
                    "platform": platform.platform(), "python": platform.python_version()},
        "versions": {"insightkit": insightkit.__version__, "torch": torch.__version__},
        "batch_size": args.batch,
        "results": rows,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
