import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dockerfileBases } from './app-images.js';

describe("the bases of an app's Dockerfile", () => {
  it('lists each FROM image with its line, leaving out build stages, and knows the bases built here', () => {
    const text = [
      '# syntax=docker/dockerfile:1',
      'FROM --platform=linux/amd64 docker.io/library/node:20.19.5-bookworm-slim AS build',
      'RUN npm ci',
      'from build as test',
      'FROM python:3.11-slim-bookworm',
      'FROM python:3.12.1-slim-bookworm',
      'FROM gcr.io/distroless/nodejs20',
      'FROM BUILD',
    ].join('\n');
    assert.deepEqual(dockerfileBases(text, 'apps/x/Dockerfile'), [
      { ref: 'node:20.19.5-bookworm-slim', where: 'apps/x/Dockerfile:2', recipe: 'node-slim', version: '20.19.5' },
      { ref: 'python:3.11-slim-bookworm', where: 'apps/x/Dockerfile:5', recipe: 'python-slim', version: '3.11' },
      // Debian bookworm's Python is 3.11: 3.12 is not built from it
      { ref: 'python:3.12.1-slim-bookworm', where: 'apps/x/Dockerfile:6' },
      { ref: 'gcr.io/distroless/nodejs20', where: 'apps/x/Dockerfile:7' },
    ]);
  });
});
