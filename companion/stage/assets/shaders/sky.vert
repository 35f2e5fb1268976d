#version 150
// The sky dome. The gradient from the horizon up is smooth, so it is worked out here, per
// vertex (the dome's rings are close where it changes fastest, near the horizon), and so is
// where a point lies on the turning sky, for the Milky Way, and the clouds' colour in this
// light (each unused without them).
#define VERTEX_STAGE 1
#include "lib.glsl"
#include "celestial.glsl"
uniform mat4 p3d_ModelViewProjectionMatrix;
uniform mat4 p3d_ModelMatrix;
in vec4 p3d_Vertex;
out vec3 v_world;
out vec3 v_gradient;
out vec3 v_celestial;
out vec3 v_cloud;

void main() {
    v_world = (p3d_ModelMatrix * p3d_Vertex).xyz;
    vec3 dir = normalize(v_world - u_eye);
    v_gradient = sky_gradient(dir);
    v_celestial = celestial(dir);
    v_cloud = mix(u_horizon, vec3(0.97, 0.96, 0.94), 0.45) * (u_ambient * 0.55 + u_light * 0.55);
    gl_Position = p3d_ModelViewProjectionMatrix * p3d_Vertex;
}
