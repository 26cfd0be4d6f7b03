"""Shared test fixtures."""
import pytest


@pytest.fixture(scope="module")
def one_torch_thread():
    """One intra-op torch thread for a module's tests.

    The test machines have 2 cores shared with other jobs; two intra-op threads competing with
    another process are ~10x slower than one. (torch is imported here, not at conftest import,
    so the torch-free tests stay torch-free.)
    """
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
