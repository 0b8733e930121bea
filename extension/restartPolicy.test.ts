import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RestartPolicy } from './restartPolicy';

describe('RestartPolicy', () => {
  test('restarts up to the cap inside the window, then gives up', () => {
    const p = new RestartPolicy(2, 1000);
    assert.equal(p.onCrash(0).restart, true);
    assert.equal(p.onCrash(100).restart, true);
    const third = p.onCrash(200);
    assert.equal(third.restart, false);
    assert.match(third.reason, /crashed 3 times/);
  });

  test('crashes older than the window are forgotten', () => {
    const p = new RestartPolicy(1, 1000);
    assert.equal(p.onCrash(0).restart, true);
    assert.equal(p.onCrash(1500).restart, true);
    assert.equal(p.onCrash(1600).restart, false);
  });

  test('reset clears the count', () => {
    const p = new RestartPolicy(1, 1000);
    p.onCrash(0);
    p.reset();
    assert.equal(p.onCrash(10).restart, true);
  });
});
