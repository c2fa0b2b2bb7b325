// Fused optimizer updates: one pass per parameter that reads the gradient once and updates
// the parameter and its optimizer state in place (PyTorch's single-tensor formulas, in
// float32). The gradient is never modified: weight decay is folded in per element.
// All arrays are contiguous float32 of n elements; state arrays start zeroed unless noted.
#pragma once
#include "tensorforge/view.h"

namespace tf {
namespace cpu {

TF_DECL_ALL(
// SGD. d = g + wd*p (negated first when maximize);
// momentum: buf = first ? d : momentum*buf + (1-dampening)*d; d = nesterov ? d + momentum*buf : buf;
// p -= lr*d.  p, buf: [n] (buf unused when momentum == 0); g: [n].
void sgd_update(float* p, float* buf, const float* g, int64_t n, float lr, float momentum,
                float dampening, float weight_decay, bool nesterov, bool first, bool maximize))

TF_DECL_ALL(
// Adam / AdamW. Adam: d = g + wd*p; AdamW (decoupled): p *= 1 - lr*wd, d = g.
// m += (1-beta1)(d-m); v = beta2*v + (1-beta2)d²; vmax = max(vmax, v) when amsgrad;
// p -= step_size * m / (sqrt(v or vmax)/bc2_sqrt + eps), with step_size = lr/(1-beta1^t),
// bc2_sqrt = sqrt(1-beta2^t) computed by the caller in double.
// p, m, v: [n]; vmax: [n] or nullptr (amsgrad off); g: [n].
void adam_update(float* p, float* m, float* v, float* vmax, const float* g, int64_t n, float lr,
                 float beta1, float beta2, float eps, float weight_decay, bool decoupled,
                 double step_size, double bc2_sqrt, bool maximize))

TF_DECL_ALL(
// RMSprop. d = g + wd*p; sq = alpha*sq + (1-alpha)d²; centered: ga += (1-alpha)(d-ga),
// avg = sqrt(sq - ga²) + eps, else avg = sqrt(sq) + eps;
// momentum > 0: buf = momentum*buf + d/avg, p -= lr*buf; else p -= lr*d/avg.
// p, sq: [n]; ga: [n] or nullptr (not centered); buf: [n] or nullptr (momentum 0); g: [n].
void rmsprop_update(float* p, float* sq, float* ga, float* buf, const float* g, int64_t n,
                    float lr, float alpha, float eps, float weight_decay, float momentum,
                    bool maximize))

TF_DECL_ALL(
// Adagrad. d = g + wd*p; sum += d²; p -= clr * d / (sqrt(sum) + eps), where the caller
// passes clr = lr / (1 + (t-1)*lr_decay).  p, sum: [n]; g: [n].
void adagrad_update(float* p, float* sum, const float* g, int64_t n, float clr, float eps,
                    float weight_decay, bool maximize))

TF_DECL_ALL(
// The Adam family with a general update (NAdam, RAdam): p' = p*shrink; d = g + l2*p'
// (negated g when maximize); m += (1-beta1)(d-m); v = beta2*v + (1-beta2)d²;
// p = p' - (cg*d + cm*m) / (sqrt(v)*k + eps). The caller folds the bias corrections and the
// schedule (NAdam's mu, RAdam's rectification) into cg, cm, k in double; k = 0, eps = 1
// gives the plain momentum step p -= cm*m.  p, m, v: [n]; g: [n].
void adam_family_update(float* p, float* m, float* v, const float* g, int64_t n, float beta1,
                        float beta2, float l2, float shrink, double cg, double cm, double k,
                        float eps, bool maximize))

TF_DECL_ALL(
// Adamax. d = g + wd*p (negated g when maximize); m += (1-beta1)(d-m);
// u = max(beta2*u, |d| + eps); p -= clr*m/u with clr = lr/(1-beta1^t).  p, m, u: [n]; g: [n].
void adamax_update(float* p, float* m, float* u, const float* g, int64_t n, float beta1,
                   float beta2, float eps, float weight_decay, double clr, bool maximize))

}  // namespace cpu
}  // namespace tf
