"""Test harness: an emulated AWS (moto server on loopback) and ansible-playbook / ansible-lint runners.

Nothing here may reach the network beyond 127.0.0.1. See RECON.md for what the
amazon.aws / community.aws modules can and cannot do against moto.
"""
