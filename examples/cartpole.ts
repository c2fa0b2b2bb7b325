// CartPole: the cart-and-pole balancing task of Barto, Sutton and Anderson (1983), with the
// constants and equations of motion used by OpenAI Gym's CartPole-v0 (Euler steps of 20 ms).
// A cart on a 4.8 m track is pushed left or right with 10 N; the episode ends when the pole
// leans more than 12 degrees, the cart leaves the track, or after `maxSteps` steps; every step
// survived earns a reward of 1.

const GRAVITY = 9.8;          // m/s^2
const MASS_CART = 1.0;        // kg
const MASS_POLE = 0.1;        // kg
const TOTAL_MASS = MASS_CART + MASS_POLE;
const HALF_LENGTH = 0.5;      // m, pivot to the pole's centre of mass
const POLE_MOMENT = MASS_POLE * HALF_LENGTH;
const FORCE = 10.0;           // N
const TAU = 0.02;             // s per step
const THETA_LIMIT = 12 * 2 * Math.PI / 360;   // rad
const X_LIMIT = 2.4;          // m

/** State [x, xDot, theta, thetaDot]; actions 0 (push left) and 1 (push right). */
export class CartPole {
  state = new Float64Array(4);
  steps = 0;
  done = true;
  constructor(readonly random: () => number, readonly maxSteps = 200) {}

  /** Starts an episode: every state variable uniform in [-0.05, 0.05]. */
  reset(): Float64Array {
    for (let i = 0; i < 4; i++) this.state[i] = (this.random() - 0.5) * 0.1;
    this.steps = 0; this.done = false;
    return this.state;
  }

  /** Applies one action; returns the reward (1 for every step taken) and whether the episode ended. */
  step(action: number): { reward: number; done: boolean } {
    if (this.done) throw new RangeError('CartPole.step: the episode is over; call reset()');
    if (action !== 0 && action !== 1) throw new RangeError(`CartPole.step: action must be 0 or 1, got ${action}`);
    const [x, xDot, theta, thetaDot] = this.state;
    const force = action === 1 ? FORCE : -FORCE;
    const cos = Math.cos(theta), sin = Math.sin(theta);
    // Equations of motion for a pole on a frictionless cart (Florian 2007, eqs. 23-24 without friction).
    const temp = (force + POLE_MOMENT * thetaDot * thetaDot * sin) / TOTAL_MASS;
    const thetaAcc = (GRAVITY * sin - cos * temp) / (HALF_LENGTH * (4 / 3 - MASS_POLE * cos * cos / TOTAL_MASS));
    const xAcc = temp - POLE_MOMENT * thetaAcc * cos / TOTAL_MASS;
    this.state[0] = x + TAU * xDot;
    this.state[1] = xDot + TAU * xAcc;
    this.state[2] = theta + TAU * thetaDot;
    this.state[3] = thetaDot + TAU * thetaAcc;
    this.steps++;
    this.done = Math.abs(this.state[0]) > X_LIMIT || Math.abs(this.state[2]) > THETA_LIMIT || this.steps >= this.maxSteps;
    return { reward: 1, done: this.done };
  }
}
