#version 150
#define VERTEX_STAGE 1
#include "lib.glsl"
#include "shore.glsl"
uniform mat4 p3d_ViewProjectionMatrix;
uniform mat4 p3d_ModelMatrix;
in vec4 p3d_Vertex;
out vec3 v_world;
out vec4 v_air;
out vec3 v_normal;

void main() {
    vec3 p = (p3d_ModelMatrix * p3d_Vertex).xyz;
    vec3 s = swell(p.xy, length(p.xy - u_eye.xy));
    p.z += s.x;
    v_world = p;
    v_air = air_to(p);
    v_normal = normalize(vec3(-s.y, -s.z, 1.0));
    gl_Position = p3d_ViewProjectionMatrix * vec4(p, 1.0);
}
