"""The Pallas kernels (kernel="pallas", interpret mode on CPU) against the scan with autodiff."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from test_custom_vjp import CELL_IDS, CELLS, LENGTHS, B, H, X, loss_and_grads

from rnnjax.configs import model_config
from rnnjax.errors import ConfigError
from rnnjax.kernels import pallas_recurrence, resolve, unfit_reason
from rnnjax.models import RecurrentEncoder
from rnnjax.models.build import encoder_from_config
from rnnjax.models.cells import make_cell

SCAN, PALLAS = {"kernel": "scan", "backward": "autodiff"}, {"kernel": "pallas"}


@pytest.mark.parametrize(
    ("bidirectional", "dropout", "num_layers"),
    [(False, False, 2), (True, True, 1)],
    ids=["uni2", "bi1_dropout"],
)
@pytest.mark.parametrize(("cell", "reset_after"), CELLS, ids=CELL_IDS)
def test_pallas_equals_scan(cell, reset_after, bidirectional, dropout, num_layers):
    """Loss (of every output and final state), and gradients wrt params, inputs and initial
    state, over lengths T, partial and 0 (two layers: layer 2 reads the kernels' outputs)."""
    encoder = RecurrentEncoder(
        cell=cell,
        hidden_size=H,
        num_layers=num_layers,
        bidirectional=bidirectional,
        reset_after=reset_after,
        recurrent_dropout=0.4 if dropout else 0.0,
    )
    (want_loss, want), (got_loss, got) = loss_and_grads(encoder, dropout, (SCAN, PALLAS))
    np.testing.assert_allclose(got_loss, want_loss, rtol=1e-5, atol=1e-5)
    jax.tree.map(lambda g, w: np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5), got, want)
    np.testing.assert_array_equal(got[1][2], 0)  # the empty row's inputs get no gradient


@pytest.mark.parametrize(("dtype", "tol"), [("float32", 1e-5), ("bfloat16", 1e-2)])
def test_outputs_and_final_states_equal_scan(dtype, tol):
    """bfloat16: the kernels compute (and carry) in the encoder's dtype, as the scan does."""
    encoder = RecurrentEncoder(cell="lstm", hidden_size=H, bidirectional=True, dtype=dtype)
    variables = encoder.clone(kernel="scan").init(jax.random.key(0), X, LENGTHS)
    run = jax.jit(lambda v: [encoder.clone(**k).apply(v, X, LENGTHS) for k in (SCAN, PALLAS)])
    want, got = jax.tree.map(lambda a: np.asarray(a, np.float32), run(variables))
    jax.tree.map(lambda g, w: np.testing.assert_allclose(g, w, rtol=tol, atol=tol), got, want)
    np.testing.assert_array_equal(got[0][1, 3:], 0)  # padded steps output zero


def test_selection_fallback_and_config():
    lstm = make_cell("lstm")
    assert resolve("auto", lstm, B, H, np.float32) == "scan"  # the tests run on CPU
    assert resolve("pallas", lstm, B, H, np.float32) == "pallas"
    with pytest.warns(UserWarning, match="falls back to the scan"):
        assert resolve("pallas", lstm, B, 1024, np.float32) == "scan"
    rnn = make_cell("rnn")
    assert unfit_reason(rnn, 16, 64, np.float32, "gpu") is None
    assert "power of two" in unfit_reason(rnn, 16, 48, np.float32, "gpu")
    assert "does not lower" in unfit_reason(lstm, 16, 64, np.float32, "gpu")
    config = model_config()
    assert config.kernel == "auto"
    config.kernel = "pallas"
    assert encoder_from_config(config).kernel == "pallas"
    with pytest.raises(ConfigError, match=r"kernel='cuda'; expected one of"):
        RecurrentEncoder(kernel="cuda").check_config()


def lower_for_cuda(cell_name: str, grad: bool) -> str:
    """StableHLO text of the kernels compiled (not interpreted) for a CUDA GPU, lowered here."""
    cell, b, t, h = make_cell(cell_name), 16, 4, 16
    p = {"kernel": jnp.zeros((h, h)), "recurrent_kernel": jnp.zeros((h, h)), "bias": jnp.zeros(h)}
    xs, ms = (jnp.zeros((t, b, h)),), jnp.ones((t, b, 1), bool)
    carry = (cell.zero_carry((b,), h, jnp.float32),)
    loss = lambda p: jnp.sum(pallas_recurrence(cell, False, (p,), xs, ms, carry, None)[1][0])
    return jax.jit(jax.grad(loss) if grad else loss).trace(p).lower(lowering_platforms=("cuda",))


def test_rnn_kernels_lower_for_gpu_triton():
    assert "triton" in lower_for_cuda("rnn", grad=True).as_text()
