#version 150
// Aurora curtains: strips high in the sky that fold and drift slowly.
uniform mat4 p3d_ViewProjectionMatrix;
uniform float u_clock;
in vec4 p3d_Vertex;
in vec4 p3d_MultiTexCoord0;   // along 0..1, up 0..1, seed
out vec4 v_extra;
out vec3 v_world;

void main() {
    vec3 p = p3d_Vertex.xyz;
    float u = p3d_MultiTexCoord0.x;
    float seed = p3d_MultiTexCoord0.z;
    p.y += 45.0 * sin(u * 6.0 + u_clock * 0.10 + seed * 7.0) + 20.0 * sin(u * 15.0 - u_clock * 0.07);
    p.x += 18.0 * sin(u * 11.0 + u_clock * 0.08 + seed * 3.0);
    v_extra = p3d_MultiTexCoord0;
    v_world = p;
    gl_Position = p3d_ViewProjectionMatrix * vec4(p, 1.0);
}
