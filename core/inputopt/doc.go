// Package inputopt is the one input optimizer that activation
// maximization (core/actmax) and adversarial attacks (core/attack) share:
// an Engine holds the optimized values, moves them uphill along a
// gradient the caller computes, by one of a few update rules, and then
// projects them back into a Constraint.
//
// The constraint is what separates a class model from an attack. With
// no ball (NormNone) and the [0,1] box, gradient ascent on a class score
// from noise draws what the network thinks the class looks like
// (Simonyan et al. 2013). With an L∞ or L2 ball of radius Eps around a
// real image, the same ascent on a loss is projected gradient descent
// (Madry et al. 2018), and one sign step of size Eps is FGSM (Goodfellow
// et al. 2015). An L∞ ball of radius 1 contains the whole box, so one
// radius slides from the attack to the class model.
//
// Every Engine.Step adds one to a process-wide counter (Calls), so tests
// can check which computations run through the engine.
package inputopt
