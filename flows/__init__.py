"""Shared Prefect flows (referral expiry, retention purge) and the runner that serves every plugin's flows.

Nothing here imports Prefect at import time of the package: ``tremplin.flows.runner`` and the flow modules do,
and only ``tremplin flows`` loads them.
"""
