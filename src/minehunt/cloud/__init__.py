"""Containers and clouds: which container a process runs in, and container images."""

from __future__ import annotations

from minehunt.cloud.containers import ContainerResolver, container_id

__all__ = ["ContainerResolver", "container_id"]
