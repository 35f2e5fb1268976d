#version 150
// A clinic's panorama or film: a sphere round the viewer; the picture is looked up by
// direction in the fragment shader (equirectangular), so the sphere can be coarse.
uniform mat4 p3d_ModelViewProjectionMatrix;
in vec4 p3d_Vertex;
out vec3 v_dir;

void main() {
    v_dir = p3d_Vertex.xyz;
    gl_Position = p3d_ModelViewProjectionMatrix * p3d_Vertex;
}
