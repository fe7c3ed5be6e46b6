"""A fake `wsl.exe` and `tasklist.exe` for testing WSL discovery on Linux.

The fakes are Python scripts driven by a JSON state file named in `FAKE_WSL_STATE`;
`FakeWindows` (in `harness.py`) writes that file and puts the fakes first on PATH.
"""
